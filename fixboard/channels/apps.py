from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "fixboard.channels"
    label = "channels"
    verbose_name = _("SMS and voice")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the status texts)
