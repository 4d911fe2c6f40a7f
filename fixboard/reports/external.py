"""A request's life in a city's own CRM (fixboard.bridge): its reference there and the
attempts to send it, on the timeline like every other change."""

from django.db import transaction
from django.utils import timezone

from . import events
from .models import Event, ServiceRequest

MAX_DETAIL = 2000


@transaction.atomic
def record_handoff(*, request: ServiceRequest, reference: str, system: str, actor: str) -> Event:
    """The CRM took the request as `reference`: kept on the request (its external id) and
    told to residents as "sent to the city's system". The request's status is not touched:
    a hand-off is not an answer to the resident."""
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    request.external_id = reference[:64]
    request.save(update_fields=["external_id"])
    return events.record(
        request,
        Event.Kind.EXTERNAL_SYNC,
        actor=actor,
        at=timezone.now(),
        public=True,
        external_id=reference[:100],
        data={"reference": reference[:64], "system": system[:100], "outcome": "sent"},
    )


@transaction.atomic
def record_sync_attempt(
    *, request: ServiceRequest, outcome: str, detail: str, system: str, actor: str
) -> Event:
    """An attempt to reach the CRM that did not hand the request off (failed, waiting for
    an id, given up): for staff only."""
    return events.record(
        request,
        Event.Kind.EXTERNAL_SYNC,
        actor=actor,
        at=timezone.now(),
        public=False,
        text=detail[:MAX_DETAIL],
        data={"system": system[:100], "outcome": outcome},
    )
