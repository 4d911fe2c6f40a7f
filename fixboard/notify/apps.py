from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "fixboard.notify"
    label = "notify"
    verbose_name = _("Notify")

    def ready(self):
        from . import receivers  # noqa: F401  (connects the event_recorded receiver)
