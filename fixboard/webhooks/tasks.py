"""The webhooks' task: one delivery, once, under the outbox's lease; and its reconciler."""

import logging

from django_tasks import task

from fixboard.notify import outbox

from . import sending
from .models import WebhookDelivery

logger = logging.getLogger(__name__)


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
