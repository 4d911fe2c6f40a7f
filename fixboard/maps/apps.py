from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MapsConfig(AppConfig):
    name = "fixboard.maps"
    label = "maps"
    verbose_name = _("Maps")

    def ready(self):
        from . import receivers  # noqa: F401
