from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from fixboard.notify.tasks import (
    next_digest_time,
    next_hour,
    retry_due_deliveries,
    scheduled_department_digests,
    scheduled_digests,
    send_department_digests,
    send_digests,
)


class Command(BaseCommand):
    help = _(
        "Send the daily digest of each confirmed watch area, the departments' digests that are "
        "due, and retry e-mails whose retry time has come. Run it from cron (hourly, for the "
        "departments' hourly digests), or once with --schedule to let the task worker send the "
        "watch-area digests every day at DIGEST_HOUR and the departments' every hour."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help=_("Schedule the daily run on the task worker instead of sending now."),
        )

    def handle(self, *args, schedule=False, **options):
        if schedule:
            return self._schedule()
        retried = retry_due_deliveries()
        result = send_digests.enqueue()
        if result.is_finished:
            self.stdout.write(_("%(n)d digest(s) sent.") % {"n": result.return_value})
        else:
            self.stdout.write(_("Digests queued for the task worker."))
        result = send_department_digests.enqueue()
        if result.is_finished:
            self.stdout.write(_("%(n)d department digest(s) sent.") % {"n": result.return_value})
        if retried:
            self.stdout.write(_("%(n)d e-mail(s) queued for another try.") % {"n": retried})

    def _schedule(self):
        if not scheduled_digests.get_backend().supports_defer:
            raise CommandError(
                _(
                    "The task backend cannot run tasks later; run `fixboard send-digests` daily "
                    "from cron instead."
                )
            )
        at = next_digest_time(timezone.now())
        scheduled_digests.using(run_after=at).enqueue()
        self.stdout.write(_("Daily digests scheduled; the first run is at %(at)s.") % {"at": at})
        hourly = next_hour(timezone.now())
        scheduled_department_digests.using(run_after=hourly).enqueue()
        self.stdout.write(
            _("Department digests scheduled every hour from %(at)s.") % {"at": hourly}
        )
