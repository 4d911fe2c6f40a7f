from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "fixboard.places"
    label = "places"
    verbose_name = _("Places")

    def ready(self):
        from fixboard.core.snapshots import watch_configuration

        from .models import Jurisdiction

        # Every process caches them (core.snapshots): a change anywhere must reach it.
        watch_configuration(Jurisdiction)
