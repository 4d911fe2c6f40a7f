"""The bridge's tasks: a send per request, a poll per endpoint, and their reconcilers."""

import logging

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from fixboard.catalog.models import CrmEndpoint
from fixboard.core import outbox
from fixboard.core.worker import queued_args

from . import actions, polling, sending
from .client import Client, CrmError
from .models import CrmSend

logger = logging.getLogger(__name__)


@task()
def send_request(send_id: int) -> str:
    """Send one request to its CRM once; failures retried with backoff, then given up."""
    if not outbox.claim(CrmSend, send_id):
        return "skipped"  # sent, given up, or another worker holds its lease
    send = CrmSend.objects.select_related("request__service_type", "endpoint").get(pk=send_id)
    try:
        reference = sending.deliver(send, Client(send.endpoint))
    except sending.Waiting:
        retry_at = sending.record_waiting(send)
        outbox.schedule_retry(send_request, send.pk, retry_at)
        return "waiting"
    except CrmError as exc:
        retry_at = sending.record_failure(send, exc)
        actions.record_attempt(send, "failed" if retry_at else "given_up")
        logger.warning("Send %s to %s failed: %s", send.pk, send.endpoint, exc)
        outbox.schedule_retry(send_request, send.pk, retry_at)
        return "failed"
    actions.record_sent(send, reference)
    return "sent"


@task()
def poll_endpoint(endpoint_id: int) -> int:
    """Bring back what changed in one CRM, unless another worker is polling it."""
    endpoint = CrmEndpoint.objects.select_related("jurisdiction", "push_client").get(pk=endpoint_id)
    state = polling.claim(endpoint)
    if state is None:
        return 0
    return polling.poll(endpoint, state)


def poll_due_endpoints() -> int:
    """Queue a poll of every endpoint whose time has come (worker reconcile)."""
    now = timezone.now()
    due = (
        CrmEndpoint.objects.filter(active=True)
        .exclude(poll=CrmEndpoint.Poll.NONE)
        .filter(Q(polling__isnull=True) | Q(polling__next_poll_at__lte=now))
        .exclude(polling__lease_until__gt=now)
        .values_list("id", flat=True)
    )
    queued = queued_args(poll_endpoint)
    count = 0
    for pk in due:
        if pk not in queued:
            poll_endpoint.enqueue(pk)
            count += 1
    return count


def reconcile_crm_sends() -> int:
    """Queue the sends no task will send: retries come due whose task was not queued,
    orphans of dead workers (a waiting or running task for the row is left to it)."""
    return outbox.reconcile(CrmSend, send_request)
