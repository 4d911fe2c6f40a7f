"""The bridge's writes: what to send to a CRM, and what came of it."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fixboard.core import outbox
from fixboard.core.models import Outbox
from fixboard.reports.external import record_handoff, record_sync_attempt
from fixboard.reports.models import ServiceRequest

from .models import CrmSend
from .routes import endpoint_for


def actor_of(endpoint) -> str:
    return f"crm:{endpoint.name}"[:100]


def queue_send(*, request: ServiceRequest) -> CrmSend | None:
    """Put the request in the outbox of the CRM its routing rules forward it to, if any,
    in the caller's transaction; it is sent after commit. Once per request and CRM."""
    from .tasks import send_request  # the task module imports this one

    endpoint = endpoint_for(request)
    if endpoint is None:
        return None
    try:
        with transaction.atomic():
            send = CrmSend.objects.create(request=request, endpoint=endpoint)
    except IntegrityError:
        return None  # already queued (a second announcement of the same request)
    transaction.on_commit(lambda: send_request.enqueue(send.pk))
    return send


def record_sent(send: CrmSend, reference: str) -> None:
    """The CRM has the request as `reference`: the row is done, the timeline says so."""
    with transaction.atomic():
        outbox.record_sent(send, external_id=reference[:64], attempt_started_at=None)
        record_handoff(
            request=send.request,
            reference=reference,
            system=send.endpoint.name,
            actor=actor_of(send.endpoint),
        )


def record_attempt(send: CrmSend, outcome: str) -> None:
    """An attempt that did not hand it off, on the timeline for staff."""
    record_sync_attempt(
        request=send.request,
        outcome=outcome,
        detail=_("Attempt %(n)d to send to %(crm)s: %(error)s")
        % {"n": send.attempts, "crm": send.endpoint.name, "error": send.last_error},
        system=send.endpoint.name,
        actor=actor_of(send.endpoint),
    )


@transaction.atomic
def retry_send(*, send: CrmSend, actor) -> bool:
    """Try a given-up send again from its first attempt (the admin's manual retry);
    False when it is not given up."""
    from .tasks import send_request

    updated = CrmSend.objects.filter(pk=send.pk, state=Outbox.State.FAILED).update(
        state=Outbox.State.PENDING, attempts=0, next_attempt_at=None, lease_until=None
    )
    if not updated:
        return False
    who = getattr(actor, "get_username", lambda: str(actor))()
    record_sync_attempt(
        request=send.request,
        outcome="retry",
        detail=_("%(who)s asked to send it to %(crm)s again (%(at)s).")
        % {"who": who, "crm": send.endpoint.name, "at": timezone.now().isoformat()},
        system=send.endpoint.name,
        actor=actor if isinstance(actor, str) else actor_of(send.endpoint),
    )
    transaction.on_commit(lambda: send_request.enqueue(send.pk))
    return True
