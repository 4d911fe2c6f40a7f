"""Following a request from a browser, the same on the request page and through the API."""

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from fixboard.reports import actions as reports
from fixboard.reports.models import ServiceRequest


def follows_at_once(user) -> bool:
    """Whether this browser's account follows without an e-mailed link."""
    # Residents sign in by a link e-mailed to their address, so a signed-in address is proven.
    return user.is_authenticated and bool(user.email)


@dataclass(frozen=True)
class LinkAsked:
    sent: bool  # False: a link went to this address a few minutes ago and still works
    message: str


def ask_by_email(*, request: ServiceRequest, email: str) -> LinkAsked:
    """E-mail the link that confirms following, in the active language; what to tell the resident.

    Raises ValidationError on `email` when it is empty or had too many links today.
    """
    sent = reports.ask_to_follow(request=request, email=email, language=translation.get_language())
    if sent:
        message = _("We sent a link to %(email)s: open it to start following this request.")
    else:
        message = _(
            "We sent a link to %(email)s a few minutes ago: open that one "
            "(look in the spam folder too)."
        )
    return LinkAsked(sent=sent, message=message % {"email": email})
