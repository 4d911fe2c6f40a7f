"""What city staff change on a request after it was made, beyond its status.

Each function checks the actor's authority (`accounts.scope.check_may_change`, through
`actions._check_authority`), validates with messages per field, writes the request and its
timeline event in one transaction (the request locked), and returns the event. Side effects
(e-mails, map counts) follow from `event_recorded`, as for every other change.
"""

from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import CloseReason, ServiceRequest, Status


def public_status_label(request: ServiceRequest) -> str:
    """The request's state as residents read it: "new", "in progress", "fixed", "closed",
    or "referred to Caltrans" for a request handed to another agency (never "closed")."""
    if request.status != Status.CLOSED:
        return str(Status(request.status).label)
    if request.close_reason == CloseReason.FIXED:
        return _("fixed")
    if request.close_reason == CloseReason.REFERRED:
        if request.referred_to:
            return _("referred to %(a)s") % {"a": request.referred_to}
        return _("referred to another agency")
    return _("closed")


def context_for(request: ServiceRequest) -> dict[str, str]:
    """The values of a canned response's placeholders (`catalog.canned.PLACEHOLDERS`) for
    this request, in the active language; dates in the jurisdiction's time zone."""
    jurisdiction = request.jurisdiction
    expected = ""
    if request.expected_at:
        local = timezone.localtime(request.expected_at, ZoneInfo(jurisdiction.timezone))
        expected = date_format(local, "DATE_FORMAT")
    address = request.address or f"{request.lat:.5f}, {request.long:.5f}"
    return {
        "id": request.public_id,
        "service": request.service_type.name,
        "address": address,
        "expected_date": expected,
        "department": request.department.name if request.department_id else "",
        "status": public_status_label(request),
    }
