"""What is new to a person in their queue: requests made since they last looked.

A visit is a run of queue views with no gap longer than VISIT_GAP. When a new visit begins,
what was there at the last look of the previous one is no longer new; within a visit the
"new" marks stay put, so filtering, paging or a reload does not make them vanish. "Mark all
as seen" moves the mark to now.
"""

from datetime import datetime, timedelta

from django.db import transaction

from .models import QueueVisit

VISIT_GAP = timedelta(minutes=30)
# A look this soon after the last recorded one changes nothing worth a write (and its commit).
RECORD_EVERY = timedelta(minutes=1)


def looked(user, now: datetime) -> datetime | None:
    """Record that `user` opened their queue at `now`; returns since when requests are new
    to them (None on their first look: nothing is marked new then)."""
    visit = QueueVisit.objects.filter(user=user).first()
    if visit is not None and now - visit.last_request_at < RECORD_EVERY:
        return visit.seen_at
    return _record_look(user, now)


@transaction.atomic
def _record_look(user, now: datetime) -> datetime | None:
    visit = QueueVisit.objects.select_for_update().filter(user=user).first()
    if visit is None:
        QueueVisit.objects.create(user=user, seen_at=now, last_request_at=now)
        return None
    if now - visit.last_request_at > VISIT_GAP:
        visit.seen_at = visit.last_request_at
    visit.last_request_at = now
    visit.save(update_fields=["seen_at", "last_request_at"])
    return visit.seen_at


def seen_since(user) -> datetime | None:
    """Since when requests are new to `user`, without recording a look."""
    return QueueVisit.objects.filter(user=user).values_list("seen_at", flat=True).first()


def mark_all_seen(user, now: datetime) -> None:
    """Nothing made before `now` is new to `user` any more."""
    QueueVisit.objects.update_or_create(
        user=user,
        defaults={"seen_at": now, "last_request_at": now},
    )
