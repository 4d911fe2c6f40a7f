from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "fixboard.webhooks"
    label = "webhooks"
    verbose_name = _("Webhooks for integrators")

    def ready(self):
        from . import receivers  # noqa: F401  (connects to the reports signals)
