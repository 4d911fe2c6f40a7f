from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fixboard.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from . import checks  # noqa: F401  (registers the deploy checks)


class FixboardAdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose site refuses sessions signed in without their two-factor code and
    sends people to the staff sign-in (/login/) rather than a sign-in form of its own."""

    default = False  # named in INSTALLED_APPS; AccountsConfig stays this module's default
    default_site = "fixboard.accounts.admin_site.FixboardAdminSite"
