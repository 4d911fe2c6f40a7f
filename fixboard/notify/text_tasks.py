"""Sending texts from the outbox: a task per text, leases and retries as for e-mail.

A text goes once even when a worker dies mid-send or the provider does not answer in time:
such an attempt leaves `attempt_started_at` set, and the next one first asks the provider
whether it took the text (the gateway's `find_sent`) before sending it again.
"""

import logging

from django.utils import timezone
from django_tasks import task

from fixboard.core import outbox

from . import sms
from .models import TextMessage, TextOptOut
from .optouts import opt_out, opted_out

logger = logging.getLogger(__name__)

# Provider error codes that mean the person unsubscribed at the carrier (Twilio's 21610).
UNSUBSCRIBED = {21610}


@task()
def send_text(text_id: int) -> str:
    """Send one text once; a temporary failure is retried with backoff, a permanent one
    gives it up (and an unsubscribed number is opted out)."""
    if not outbox.claim(TextMessage, text_id):
        return "skipped"  # sent, cancelled, given up, or another worker holds its lease
    text = TextMessage.objects.filter(pk=text_id).first()
    if text is None:
        return "skipped"
    if opted_out(text.phone, jurisdiction=text.jurisdiction_id):  # STOP came after it was queued
        outbox.record_cancelled(text)
        return "cancelled"
    try:
        provider_id = _send(text, sms.get_backend())
    except sms.PermanentFailure as exc:
        outbox.record_failure(text, error=str(exc), permanent=True, attempt_started_at=None)
        if exc.code in UNSUBSCRIBED:
            # The provider blocks the installation's sending number, every city's texts.
            opt_out(phone=text.phone, source=TextOptOut.Source.CARRIER)
        logger.warning("Text %s to %s given up: %s", text.pk, text.phone, exc)
        return "failed"
    except Exception as exc:  # temporary, or a broken backend: retried all the same
        uncertain = getattr(exc, "uncertain", not isinstance(exc, sms.SendFailed))
        retry_at = outbox.record_failure(
            text,
            error=str(exc) or repr(exc),
            attempt_started_at=text.attempt_started_at if uncertain else None,
        )
        logger.warning(
            "Text %s failed, attempt %s: %s; retry at %s", text.pk, text.attempts, exc, retry_at
        )
        outbox.schedule_retry(send_text, text.pk, retry_at)
        return "failed"
    outbox.record_sent(text, provider_id=provider_id, attempt_started_at=None)
    return "sent"


def _send(text: TextMessage, backend: sms.Backend) -> str:
    """The provider's id of the text: of the one it took in an earlier attempt whose outcome
    was unknown, else of a new one. The start of this attempt is committed before asking."""
    if text.attempt_started_at:
        try:
            found = backend.find_sent(to=text.phone, body=text.body, since=text.attempt_started_at)
        except sms.SendFailed as exc:  # the earlier attempt stays unknown
            raise sms.TemporaryFailure(f"cannot tell if it went: {exc}", uncertain=True) from exc
        if found:
            return found
    text.attempt_started_at = timezone.now()
    text.save(update_fields=["attempt_started_at"])
    return backend.send(to=text.phone, body=text.body)


def reconcile_texts() -> int:
    """Queue again the pending texts no task will send (worker reconcile)."""
    return outbox.reconcile(TextMessage, send_text)


def retry_due_texts() -> int:
    """Enqueue pending texts whose retry time has come (for backends that cannot defer)."""
    return outbox.retry_due(TextMessage, send_text)
