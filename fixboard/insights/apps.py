from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "fixboard.insights"
    label = "insights"
    verbose_name = _("Public figures")

    def ready(self):
        from . import receivers  # noqa: F401
