from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fixboard.reports.stored_photos import clean_stored_photos


class Command(BaseCommand):
    help = _(
        "Re-encode photos stored by earlier versions with no metadata at all and move them to "
        "random names, so no uploaded file name shows in a URL. Safe to run again; run it once "
        "after upgrading."
    )

    def handle(self, *args, **options):
        outcome = clean_stored_photos()
        self.stdout.write(
            _("%(c)d photos cleaned, %(a)d already clean, %(f)d could not be read (see the log).")
            % {"c": outcome.cleaned, "a": outcome.already, "f": outcome.failed}
        )
