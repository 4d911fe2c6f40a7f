from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkConfig(AppConfig):
    name = "fixboard.work"
    label = "work"
    verbose_name = _("City staff's work")
