"""Staff sign-in and sign-out, in the site's own look (not the admin's)."""

from django.contrib.auth import views as auth_views
from django.utils.http import url_has_allowed_host_and_scheme

from ..access import is_city_staff, landing_url


class SignInView(auth_views.LoginView):
    template_name = "work/signin.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return landing_url(self.request.user)

    def get_success_url(self):
        wanted = self.get_redirect_url()
        if wanted and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return wanted
        return self.get_default_redirect_url()


class SignOutView(auth_views.LogoutView):
    next_page = "work:login"


__all__ = ["SignInView", "SignOutView", "is_city_staff"]
