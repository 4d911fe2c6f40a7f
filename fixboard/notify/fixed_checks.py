"""A few days after a request closes as fixed, its reporter and followers are asked "Has this
been fixed?", with one link for yes and one for no (answered through
`reports.confirmations.answer_fixed_check`).

Run by every worker's reconcile (WORKER_RECONCILERS); the FixedCheck row, unique per close
and written with the e-mails in one transaction, makes each close asked about once.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from fixboard.reports.models import CloseReason, Event, Status

from . import selectors
from .models import Delivery, FixedCheck
from .tasks import deliver

logger = logging.getLogger(__name__)

# Closes older than the delay by more than this are not asked about: a worker that was
# down for weeks must not ask about a pothole filled last season.
LATE_BY = timedelta(days=2)
BATCH = 200


def due_closes(now):
    """The closes as fixed whose question is due: old enough, not too old, still the
    request's close, not asked yet."""
    asked_at = now - timedelta(days=settings.FIXED_CHECK_DAYS)
    return (
        Event.objects.filter(
            kind=Event.Kind.STATUS_CHANGED,
            close_reason=CloseReason.FIXED,
            created_at__lt=asked_at,
            created_at__gte=asked_at - LATE_BY,
            to_status=Status.CLOSED,
            public=True,
            request__status=Status.CLOSED,
            request__close_reason=CloseReason.FIXED,
            request__closed_at=F("created_at"),
            request__hidden=False,
        )
        .exclude(Exists(FixedCheck.objects.filter(close_event=OuterRef("pk"))))
        .select_related("request__reporter")
        .order_by("created_at")
    )


def ask(close: Event) -> list[int]:
    """Write the check of one close and its e-mails; their ids ([] if another worker did)."""
    recipients = selectors.event_recipients(close)
    try:
        with transaction.atomic():
            check = FixedCheck.objects.create(
                request=close.request, close_event=close, recipients=len(recipients)
            )
            deliveries = Delivery.objects.bulk_create(
                Delivery(
                    kind=Delivery.Kind.FIXED_CHECK,
                    email=email,
                    request=close.request,
                    fixed_check=check,
                )
                for email in recipients
            )
    except IntegrityError:
        return []
    return [d.pk for d in deliveries]


def send_due(now=None) -> int:
    """Ask about every close whose question is due; returns how many e-mails were queued."""
    if not settings.FIXED_CHECK_DAYS:
        return 0
    queued = 0
    for close in due_closes(now or timezone.now())[:BATCH]:
        for delivery_id in ask(close):
            transaction.on_commit(lambda pk=delivery_id: deliver.enqueue(pk))
            queued += 1
    return queued
