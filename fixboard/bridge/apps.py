from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BridgeConfig(AppConfig):
    name = "fixboard.bridge"
    label = "bridge"
    verbose_name = _("City CRM bridge")

    def ready(self):
        from . import receivers  # noqa: F401  (connects to the reports signals)
