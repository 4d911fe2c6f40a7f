"""The address index learns from an import's batches on a connection of its own
(`fixboard.places.background`), its session named like the import's others."""

from django.db import connection

from fixboard.places.addresses import AddressRecorder
from fixboard.places.background import BackgroundAddresses, learning
from fixboard.places.background import address_learner as background_learner

from .lock import tag_session

__all__ = ["BackgroundAddresses", "address_learner", "learning"]


def _tag() -> None:
    with connection.cursor() as cursor:
        tag_session(cursor)


def address_learner(recorder: AddressRecorder) -> AddressRecorder | BackgroundAddresses:
    """The recorder itself where a second connection cannot help, else a background one."""
    return background_learner(recorder, on_start=_tag)
