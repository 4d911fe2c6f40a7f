"""Updates from a city's CRM applied to the requests it works: once per update.

The CRM's status is read through the endpoint's mapping (else as an Open311 extended
status); a status nothing maps changes nothing and is kept as an internal note. Its notes
become public updates or internal notes as the endpoint says.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fixboard.reports.actions import add_update, transition
from fixboard.reports.changes import correct_close_reason
from fixboard.reports.models import Event, ServiceRequest, Status
from fixboard.reports.open311_statuses import corrected_reason, crm_target, next_status

from .actions import actor_of


@dataclass(frozen=True)
class Update:
    """One change the CRM reports for one of its requests."""

    service_request_id: str
    update_id: str
    status: str
    description: str
    at: datetime
    media_url: str = ""
    # A record's current state (GET requests) rather than an event of its history: applied
    # unless it is the state last applied, so a record touched without change adds nothing
    # and one that comes back to an earlier state is applied again.
    snapshot_of: str = ""


def event_id(update_id: str) -> str:
    """What the timeline keeps of an update's id: the same whether the update was polled
    or pushed (`open311.actions.post_request_update`), so it is applied once either way."""
    return update_id[:100]


@transaction.atomic
def apply_update(*, endpoint, request: ServiceRequest, update: Update) -> Event | None:
    """Apply one CRM update unless it already was; the first event recording it, or None
    when it changed nothing."""
    request = ServiceRequest.objects.select_for_update().get(pk=request.pk)
    external = event_id(update.update_id)
    if _applied(request, update, external):
        return None
    actor = actor_of(endpoint)
    at = _dated(request, update.at)
    target = crm_target(endpoint, update.status) if update.status else None
    description, media_url = update.description, update.media_url
    public = endpoint.notes_public
    event = None
    if target is None and update.status:
        # Kept for staff: a status the mapping should learn.
        add_update(
            request=request,
            text=_("The CRM's status %(s)s is not mapped; the request keeps its status.")
            % {"s": update.status},
            actor=actor,
            public=False,
            at=at,
            external_id=external,
        )
    if target is not None:
        if reason := corrected_reason(request.status, request.close_reason, target):
            event = correct_close_reason(
                request=request, close_reason=reason, actor=actor, note="", external_id=external
            )
        elif to_status := next_status(request.status, target):
            try:
                event = _move(endpoint, request, to_status, target, update, external)
            except ValidationError as exc:
                # The city's own rule (an after-photo, a named agency) stands: staff decide.
                description = _("%(crm)s says %(s)s, which Fixboard could not apply: %(e)s")
                description %= {"crm": endpoint.name, "s": update.status, "e": exc.messages}
                public = False
            else:
                if public:
                    description, media_url = "", ""
    if description or media_url:
        note = add_update(
            request=request,
            text=description,
            actor=actor,
            public=public,
            at=at,
            external_id=external,
            media_url=media_url,
        )
        event = event or note
    return event


def _applied(request: ServiceRequest, update: Update, external: str) -> bool:
    if not update.snapshot_of:
        return request.events.filter(external_id=external).exists()
    last = (
        request.events.filter(external_id__startswith=f"{update.snapshot_of}@")
        .order_by("-created_at", "-id")
        .values_list("external_id", flat=True)
        .first()
    )
    return last == external


def _dated(request: ServiceRequest, at: datetime) -> datetime:
    """The CRM's time of an update, within what we know: after the request's latest event
    (its clock may lag ours, and it may write whole seconds), never in our future."""
    latest = request.events.order_by("-created_at").values_list("created_at", flat=True).first()
    return min(max(at, latest or at), timezone.now())


def _move(endpoint, request, to_status, target, update: Update, external: str) -> Event:
    public = endpoint.notes_public
    with transaction.atomic():
        return transition(
            request=request,
            to_status=to_status,
            close_reason=target.close_reason if to_status == Status.CLOSED else "",
            actor=actor_of(endpoint),
            note=update.description if public else "",
            at=_dated(request, update.at),
            external_id=external,
            media_url=update.media_url if public else "",
            # The CRM's own close is recorded as it is (its client's grants apply).
            client=endpoint.push_client,
        )
