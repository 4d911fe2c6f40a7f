"""fixboard create-jurisdiction SLUG --name NAME --timezone TZ"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fixboard.core.commands import command_error
from fixboard.places.actions import create_jurisdiction


class Command(BaseCommand):
    help = _(
        "Create a jurisdiction (a city or county this installation serves). "
        "Import its areas next with `fixboard import-areas`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "slug",
            help=_("Its Open311 jurisdiction_id: lower-case letters, digits, hyphens."),
        )
        parser.add_argument("--name", required=True, help=_("Its name, e.g. 'Los Angeles'."))
        parser.add_argument(
            "--timezone",
            required=True,
            help=_("IANA time zone of its residents, e.g. America/Los_Angeles."),
        )

    def handle(self, *args, slug, name, timezone, **options):
        try:
            jurisdiction = create_jurisdiction(slug=slug, name=name, timezone=timezone)
        except ValidationError as exc:
            raise command_error(
                exc, intro=_("Jurisdiction %(slug)s not created:") % {"slug": slug}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("Created jurisdiction %(name)s (%(slug)s, %(tz)s).")
                % {
                    "name": jurisdiction.name,
                    "slug": jurisdiction.slug,
                    "tz": jurisdiction.timezone,
                }
            )
        )
