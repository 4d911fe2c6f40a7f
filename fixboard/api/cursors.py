"""Opaque page cursors: a signed (sort order, value, id), so a client cannot forge one."""

from datetime import datetime

from django.core import signing
from django.utils.translation import gettext as _

from fixboard.reports.selectors import ORDERS, Position

SALT = "fixboard.api.cursor"


class BadCursor(ValueError):
    pass


def encode(position: Position | None) -> str | None:
    if position is None:
        return None
    return signing.dumps([position.order, position.value.isoformat(), position.id], salt=SALT)


def decode(cursor: str, order: str) -> Position:
    """The position in `cursor`, or BadCursor when it is damaged or for another sort order."""
    try:
        saved_order, value, pk = signing.loads(cursor, salt=SALT)
        position = Position(saved_order, datetime.fromisoformat(value), int(pk))
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadCursor(_("This cursor is damaged; start again from the first page.")) from exc
    if position.order != order or order not in ORDERS:
        raise BadCursor(_("This cursor belongs to another sort order; keep the same sort."))
    return position


def encode_id(pk: int | None) -> str | None:
    return None if pk is None else signing.dumps(pk, salt=SALT + ".id")


def decode_id(cursor: str) -> int:
    try:
        return int(signing.loads(cursor, salt=SALT + ".id"))
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise BadCursor(_("This cursor is damaged; start again from the first page.")) from exc
