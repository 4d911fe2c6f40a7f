"""What a resident is told of a request by text: its status when they ask (STATUS <id>)
and when it changes."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from fixboard.reports.changes import public_status_label
from fixboard.reports.models import ServiceRequest
from fixboard.reports.public_ids import normalize_public_id
from fixboard.reports.selectors import get_public_request


def track_url(public_id: str) -> str:
    return settings.SITE_URL + reverse("web:request", args=[public_id])


def status_line(request: ServiceRequest) -> str:
    """ "7KQ2-M9XD, Pothole at 1900 E 4th St: in progress. https://…" """
    return _("%(id)s, %(service)s at %(place)s: %(status)s. %(url)s") % {
        "id": request.public_id,
        "service": request.service_type.name,
        "place": request.address or _("the place you gave"),
        "status": public_status_label(request),
        "url": track_url(request.public_id),
    }


def status_reply(typed_id: str) -> str:
    """The answer to "STATUS <id>": only what the public request page shows."""
    request = get_public_request(typed_id)
    if request is None:
        return _(
            "We found no request %(id)s. Check the number in the text we sent you, "
            "e.g. STATUS 7KQ2-M9XD."
        ) % {"id": normalize_public_id(typed_id)[:20]}
    return status_line(request)
