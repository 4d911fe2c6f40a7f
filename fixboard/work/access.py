"""Who may open the staff pages: the role check every staff URL makes before its view runs.

Scope (jurisdiction, department) is checked by the domain and by the queries the views
make through `fixboard.accounts.scope`; this module only keeps residents and strangers out.
"""

from functools import wraps
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fixboard.accounts import scope
from fixboard.accounts.models import User
from fixboard.accounts.two_factor import has_two_factor
from fixboard.core.snapshots import Snapshot
from fixboard.places.models import Jurisdiction

STAFF_ROLES = (User.Role.AGENT, User.Role.STAFF, User.Role.MANAGER, User.Role.ADMIN)


def _load_zone(jurisdiction_id: int) -> str | None:
    zones = Jurisdiction.objects.filter(pk=jurisdiction_id).values_list("timezone", flat=True)
    return zones.first()


_zones = Snapshot("work.jurisdiction_zones", _load_zone, models=(Jurisdiction,))


def staff_zone(user) -> ZoneInfo | None:
    """The time zone staff pages show times in: the city's, for someone who works for one
    (None, the site's, for someone who works for several)."""
    ids = scope.jurisdiction_ids(user)
    if not ids or len(ids) != 1:
        return None
    name = _zones.get(next(iter(ids)))
    return ZoneInfo(name) if name else None


def is_city_staff(user) -> bool:
    """Whether `user` is signed in as an active member of the city's staff."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or getattr(user, "role", "") in STAFF_ROLES)
    )


def landing_url(user) -> str:
    """Where a staff member starts after signing in: their work. Call-takers on the call
    console; everyone else (admins too: the menu links to the admin) on the work queue."""
    if getattr(user, "role", "") == User.Role.AGENT and not user.is_superuser:
        return reverse("console:home")
    return reverse("work:queue")


def sign_in_url(request) -> str:
    """The staff sign-in, coming back to this page afterwards."""
    return f"{reverse('work:login')}?{urlencode({'next': request.get_full_path()})}"


def _verified(user) -> bool:
    """Whether this session gave a two-factor code (django-otp's OTPMiddleware)."""
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified())


def staff_only(view=None, *, roles: tuple[str, ...] = STAFF_ROLES, before_two_factor: bool = False):
    """Let in signed-in staff of `roles` (superusers always); send others to sign in, or
    refuse them with a page that says why.

    An account with two-factor must have given its code in this session (a session signed in
    through another door without it is sent to sign in). With STAFF_REQUIRE_TWO_FACTOR, staff
    without two-factor are sent to set it up first, except on the page that does that
    (`before_two_factor=True`)."""

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect(sign_in_url(request))
            verified = _verified(user)
            two_factor_on = verified or has_two_factor(user)
            if two_factor_on and not verified:
                return redirect(sign_in_url(request))
            if not is_city_staff(user):
                raise PermissionDenied(_("This page is for the city's staff."))
            if not (user.is_superuser or user.role in roles):
                raise PermissionDenied(
                    _("Your role (%(r)s) does not give access to this page.")
                    % {"r": User.Role(user.role).label}
                )
            if settings.STAFF_REQUIRE_TWO_FACTOR and not two_factor_on and not before_two_factor:
                return redirect("work:security")
            with timezone.override(staff_zone(user)):
                return view(request, *args, **kwargs)

        return guarded

    return decorate(view) if view is not None else decorate
