from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "fixboard.api"
    label = "api"
    verbose_name = _("Api")

    def ready(self):
        from . import cors

        cors.connect()
