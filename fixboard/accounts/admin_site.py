"""The admin site: the same pages, behind the staff sign-in and its two-factor step."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .two_factor import needs_code


class FixboardAdminSite(admin.AdminSite):
    def has_permission(self, request):
        # An account with two-factor reaches the admin only from a session that gave the code.
        return super().has_permission(request) and not needs_code(request.user)

    def login(self, request, extra_context=None):
        """One sign-in for staff: the password (and the code, for accounts that have one) at
        /login/, which then comes back here; a signed-in person who may not use the admin
        gets a page that says so instead of another sign-in form."""
        wanted = request.GET.get(REDIRECT_FIELD_NAME, "")
        if not url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            wanted = reverse("admin:index", current_app=self.name)
        user = request.user
        if user.is_authenticated and user.is_active and not needs_code(user):
            if self.has_permission(request):
                return redirect(wanted)
            raise PermissionDenied(
                _("Your account may not use the administration; ask an administrator if it should.")
            )
        query = urlencode({REDIRECT_FIELD_NAME: wanted})
        return redirect(f"{resolve_url(settings.LOGIN_URL)}?{query}")
