"""Photos stored before names were random and every segment of metadata was dropped: each is
re-encoded (`photos.clean_photos`) and moved to a random name (`fixboard clean-photos`).

A photo's URL is not part of any record a resident or the city keeps (pages, feeds and APIs
give it as they are read), so the move records no timeline event.
"""

import logging
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Photo
from .photos import clean_photos

logger = logging.getLogger(__name__)

RANDOM_NAME = re.compile(r"photos/[0-9a-f]{2}/[0-9a-f]{32}\.jpg")
CHUNK = 500


@dataclass
class Outcome:
    cleaned: int = 0
    already: int = 0
    failed: int = 0


def clean_stored_photo(photo: Photo) -> bool:
    """Re-encode one photo under a random name; False when its name is random already.

    Raises OSError when its file cannot be read, ValidationError when it is no photo.
    """
    old = photo.image.name
    if RANDOM_NAME.fullmatch(old):
        return False
    with photo.image.open("rb") as file:
        data = file.read()
    [clean] = clean_photos([(data, old)])
    storage = photo.image.storage
    with transaction.atomic():
        photo.image.save(clean.content.name, clean.content, save=False)
        photo.width, photo.height = clean.width, clean.height
        photo.save(update_fields=["image", "width", "height"])
        transaction.on_commit(lambda: storage.delete(old))
    return True


def clean_stored_photos() -> Outcome:
    """Every stored photo with an old name, a chunk at a time; safe to run again."""
    outcome, last = Outcome(), 0
    while True:
        photos = list(
            Photo.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("id", "image", "width", "height")[:CHUNK]
        )
        if not photos:
            return outcome
        last = photos[-1].pk
        for photo in photos:
            try:
                done = clean_stored_photo(photo)
            except (OSError, ValidationError) as exc:
                logger.warning("Photo %s (%s) left as it is: %s", photo.pk, photo.image.name, exc)
                outcome.failed += 1
            else:
                outcome.cleaned += done
                outcome.already += not done
