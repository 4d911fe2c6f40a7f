from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fixboard.reports.importing.indexes import restore_indexes
from fixboard.reports.importing.lock import ImportRunning


class Command(BaseCommand):
    help = _(
        "Build again the indexes and foreign keys of requests, events and request areas that an "
        "interrupted bulk import left off. Safe to run at any time: it does nothing when all are "
        "in place. On PostgreSQL the indexes are built concurrently, so the site keeps "
        "writing meanwhile. Refused while an import runs (it rebuilds them itself)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-progress", action="store_true", help=_("Do not show a progress bar.")
        )

    def handle(self, *args, **options):
        try:
            built = restore_indexes(progress=not options["no_progress"], online=True)
        except ImportRunning as exc:
            raise CommandError(str(exc)) from None
        if built:
            self.stdout.write(_("Built %(n)d missing indexes and constraints.") % {"n": built})
        else:
            self.stdout.write(_("Every index and constraint is in place."))
