"""The webhooks' task: one delivery, once, under the outbox's lease; and its reconcilers."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_tasks import task

from fixboard.core import outbox
from fixboard.reports.models import Event

from . import actions, payloads, sending
from .models import Subscription, WebhookDelivery

logger = logging.getLogger(__name__)

# The events some subscription kind is made of (payloads.kind_of says which, exactly).
DELIVERED_KINDS = (
    Event.Kind.SUBMITTED,
    Event.Kind.CONFIRMED,
    Event.Kind.STATUS_CHANGED,
    *payloads.UPDATES,
)


@task()
def send_delivery(delivery_id: int) -> str:
    """POST one delivery; failures retried with backoff, then given up."""
    if not outbox.claim(WebhookDelivery, delivery_id):
        return "skipped"  # sent, given up, or another worker holds its lease
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    try:
        status = sending.post(delivery)
    except sending.Refused as exc:
        retry_at = sending.record_failure(delivery, exc)
        logger.warning("Webhook delivery %s failed: %s", delivery.delivery_id, exc)
        outbox.schedule_retry(send_delivery, delivery.pk, retry_at)
        return "failed"
    outbox.record_sent(delivery, last_status=status, last_error="")
    return "sent"


def reconcile_webhook_deliveries() -> int:
    """Queue the deliveries no task will send: retries come due whose task was not
    queued, orphans of dead workers (a waiting or running task for one is left to it)."""
    return outbox.reconcile(WebhookDelivery, send_delivery)


_events_checked = {"until": None}


def reconcile_event_deliveries() -> int:
    """Write the deliveries of events whose after-commit step never did (the process died
    after the event's commit, the database failed before the rows were written); returns
    how many (worker reconcile).

    Looks once at each event older than a lease (long committed, and long announced if it
    ever will be) since the previous pass, a day back on a worker's first, in a jurisdiction
    with an active subscription, that has no delivery yet. A subscription made after an
    event gets none of it. Once per subscription and event (the unique constraint), however
    many workers run it at once and whenever the lost announcement comes after all.
    """
    until = timezone.now() - timedelta(seconds=settings.TASK_LEASE_SECONDS)
    since = _events_checked["until"] or until - timedelta(days=1)
    subscribed = {
        pk: (jurisdiction_id, created_at)
        for pk, jurisdiction_id, created_at in Subscription.objects.filter(active=True).values_list(
            "id", "jurisdiction_id", "created_at"
        )
    }
    count = 0
    if subscribed:
        events = (
            Event.objects.filter(
                created_at__gte=since,
                created_at__lt=until,
                kind__in=DELIVERED_KINDS,
                request__jurisdiction_id__in={j for j, _at in subscribed.values()},
            )
            .exclude(Exists(WebhookDelivery.objects.filter(event=OuterRef("pk"))))
            .select_related("request__jurisdiction", "request__service_type")
        )
        for event in events.iterator(chunk_size=500):
            before = {pk for pk, (_j, made) in subscribed.items() if made <= event.created_at}
            if before:
                count += len(actions.queue_deliveries(event, only=before))
    _events_checked["until"] = until
    return count
