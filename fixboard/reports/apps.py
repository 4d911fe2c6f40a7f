from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "fixboard.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from django.conf import settings
        from PIL import Image

        from . import automation, checks  # noqa: F401  (registers the checks and receivers)

        # Pillow's own decompression-bomb guard, for every image opened anywhere: it warns
        # above this many pixels (photos turns the warning into a refusal), errors above twice.
        Image.MAX_IMAGE_PIXELS = settings.PHOTO_MAX_PIXELS
