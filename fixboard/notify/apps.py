from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "fixboard.notify"
    label = "notify"
    verbose_name = _("Notify")

    def ready(self):
        from . import checks, receivers  # noqa: F401  (registers the check and the receiver)
