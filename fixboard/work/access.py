"""Who may open the staff pages: the role check every staff URL makes before its view runs.

Scope (jurisdiction, department) is checked by the domain and by the queries the views
make through `fixboard.accounts.scope`; this module only keeps residents and strangers out.
"""

from functools import wraps
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from fixboard.accounts.models import User

STAFF_ROLES = (User.Role.AGENT, User.Role.STAFF, User.Role.MANAGER, User.Role.ADMIN)


def is_city_staff(user) -> bool:
    """Whether `user` is signed in as an active member of the city's staff."""
    return (
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or getattr(user, "role", "") in STAFF_ROLES)
    )


def landing_url(user) -> str:
    """Where a staff member starts after signing in: their work."""
    return reverse("work:queue")


def staff_only(view=None, *, roles: tuple[str, ...] = STAFF_ROLES):
    """Let in signed-in staff of `roles` (superusers always); send others to sign in, or
    refuse them with a page that says why."""

    def decorate(view):
        @wraps(view)
        def guarded(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('work:login')}?{query}")
            if not is_city_staff(user):
                raise PermissionDenied(_("This page is for the city's staff."))
            if not (user.is_superuser or user.role in roles):
                raise PermissionDenied(
                    _("Your role (%(r)s) does not give access to this page.")
                    % {"r": User.Role(user.role).label}
                )
            return view(request, *args, **kwargs)

        return guarded

    return decorate(view) if view is not None else decorate
