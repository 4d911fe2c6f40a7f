from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fixboard.notify.tasks import retry_due_deliveries, send_digests


class Command(BaseCommand):
    help = _(
        "Send the daily digest of each confirmed watch area (run once a day from cron or the "
        "worker's scheduler), and retry e-mails whose retry time has come."
    )

    def handle(self, *args, **options):
        retried = retry_due_deliveries()
        result = send_digests.enqueue()
        sent = result.return_value if result.is_finished else None
        if sent is None:
            self.stdout.write(_("Digests queued for the task worker."))
        else:
            self.stdout.write(_("%(n)d digest(s) sent.") % {"n": sent})
        if retried:
            self.stdout.write(_("%(n)d e-mail(s) queued for another try.") % {"n": retried})
