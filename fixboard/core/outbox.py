"""The outbox every e-mail, text, CRM send and webhook delivery goes through: a row per
message, sent by a task that holds a lease on it, retried with backoff until it is sent or
given up.

The lease, not the task, makes a message go once: two tasks for one row (a retry, a
reconcile, a task run again after its worker died) cannot both hold it.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import Outbox
from .worker import queued_args

logger = logging.getLogger(__name__)

# Waits before each retry of a failed message; after the last one the message is given up.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)


def claim(model: type[Outbox], pk: int) -> bool:
    """Take a pending row to send it, unless another worker's lease on it still runs."""
    now = timezone.now()
    return bool(
        model.objects.filter(pk=pk, state=Outbox.State.PENDING)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(lease_until=now + timedelta(seconds=settings.TASK_LEASE_SECONDS))
    )


def record_sent(row: Outbox, **fields) -> None:
    """Mark a claimed row sent; `fields` are the model's own to save with it."""
    for name, value in fields.items():
        setattr(row, name, value)
    row.state = Outbox.State.SENT
    row.sent_at = timezone.now()
    row.attempts += 1
    row.lease_until = None
    row.save(update_fields=["state", "sent_at", "attempts", "lease_until", *fields])


def record_cancelled(row: Outbox) -> None:
    row.state = Outbox.State.CANCELLED
    row.lease_until = None
    row.save(update_fields=["state", "lease_until"])


def record_failure(
    row: Outbox, *, error: str, permanent: bool = False, **fields
) -> datetime | None:
    """Count a failed attempt; returns when to try again, or None once it is given up
    (after the last retry, or at once when the failure is `permanent`)."""
    for name, value in fields.items():
        setattr(row, name, value)
    row.attempts += 1
    row.last_error = error[:2000]
    if permanent or row.attempts > len(RETRY_DELAYS):
        row.state = Outbox.State.FAILED
        row.next_attempt_at = None
    else:
        row.next_attempt_at = timezone.now() + RETRY_DELAYS[row.attempts - 1]
    row.lease_until = None
    row.save(
        update_fields=["attempts", "last_error", "state", "next_attempt_at", "lease_until", *fields]
    )
    return row.next_attempt_at


def schedule_retry(task, pk: int, retry_at: datetime | None) -> None:
    """Queue the retry of a failed row for its time, where the task backend can defer;
    elsewhere `retry_due` (run by `fixboard send-digests`) or the reconcile picks it up."""
    if retry_at and task.get_backend().supports_defer:
        task.using(run_after=retry_at).enqueue(pk)


def retry_due(model: type[Outbox], task) -> int:
    """Enqueue the pending rows whose retry time has come (for backends that cannot defer)."""
    due = model.objects.filter(
        state=Outbox.State.PENDING, next_attempt_at__lte=timezone.now()
    ).values_list("id", flat=True)
    count = 0
    for pk in due.iterator():
        task.enqueue(pk)
        count += 1
    return count


def reconcile(model: type[Outbox], task) -> int:
    """Queue again the pending rows no task will send; returns how many (worker reconcile).

    Their worker died while sending (the lease has run out), or before it queued them or
    their retry. Any that a waiting or running task still names is left to that task.
    """
    now = timezone.now()
    queued = queued_args(task)
    orphans = (
        model.objects.filter(
            state=Outbox.State.PENDING,
            created_at__lte=now - timedelta(seconds=settings.TASK_LEASE_SECONDS),
        )
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .values_list("id", flat=True)
    )
    count = 0
    for pk in orphans.iterator():
        if pk not in queued:
            task.enqueue(pk)
            count += 1
    if count:
        logger.warning(
            "Queued %s %s again that no task was going to send",
            count,
            model._meta.verbose_name_plural,
        )
    return count
