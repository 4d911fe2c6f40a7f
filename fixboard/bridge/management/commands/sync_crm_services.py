"""fixboard sync-crm-services ENDPOINT_ID"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fixboard.bridge.client import CrmError
from fixboard.bridge.services import sync_services
from fixboard.catalog.models import CrmEndpoint


class Command(BaseCommand):
    help = _("Read a city CRM's services and their questions as the jurisdiction's service types.")

    def add_arguments(self, parser):
        parser.add_argument("endpoint", type=int, help=_("The CRM endpoint's id (see the admin)."))

    def handle(self, *args, endpoint, **options):
        found = CrmEndpoint.objects.select_related("jurisdiction").filter(pk=endpoint).first()
        if found is None:
            raise CommandError(_("No CRM endpoint %(id)s.") % {"id": endpoint})
        try:
            result = sync_services(found)
        except CrmError as exc:
            raise CommandError(_("Cannot read the CRM's services: %(e)s") % {"e": exc}) from exc
        self.stdout.write(
            _("%(c)d service types created, %(u)d updated.")
            % {"c": len(result.created), "u": len(result.updated)}
        )
        for reason in result.skipped:
            self.stdout.write(_("Skipped: %(r)s") % {"r": reason})
