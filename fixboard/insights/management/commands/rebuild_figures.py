from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fixboard.insights.counting import rebuild_figures
from fixboard.places.models import Jurisdiction


class Command(BaseCommand):
    help = _(
        "Count the public figures (opened, fixed, days to fix, SLA) again from the requests, "
        "for one jurisdiction or all. Imports do this by themselves, in the worker."
    )

    def add_arguments(self, parser):
        parser.add_argument("--jurisdiction", help=_("The jurisdiction's slug (default: all)."))

    def handle(self, *args, jurisdiction=None, **options):
        places = Jurisdiction.objects.order_by("slug")
        if jurisdiction:
            places = places.filter(slug=jurisdiction)
            if not places.exists():
                raise CommandError(_("No jurisdiction has the slug %s.") % jurisdiction)
        for place in places.only("id", "slug"):
            counted = rebuild_figures(place)
            self.stdout.write(
                _("%(slug)s: %(count)d requests counted.")
                % {
                    "slug": place.slug,
                    "count": counted,
                }
            )
