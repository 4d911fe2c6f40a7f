"""fixboard create-api-key NAME [--jurisdiction SLUG]… [--rate-limit N] [--rotate]"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fixboard.accounts.apikeys import issue_api_key
from fixboard.core.commands import command_error


class Command(BaseCommand):
    help = _(
        "Create an API client (an app, a city's CRM) and print its key once. "
        "The key is stored only as a hash: copy it from the output."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help=_("Who holds the key, e.g. 'Mobile app' or 'City CRM'."))
        parser.add_argument(
            "--jurisdiction",
            action="append",
            default=[],
            dest="jurisdictions",
            metavar="SLUG",
            help=_(
                "A jurisdiction the client may post to; repeat for several. "
                "May be left out when the installation has only one."
            ),
        )
        parser.add_argument(
            "--rate-limit",
            type=int,
            default=None,
            metavar="N",
            help=_("Requests a minute the client may make (default 600)."),
        )
        parser.add_argument(
            "--rotate",
            action="store_true",
            help=_("The client exists: give it a new key; the old one stops working."),
        )

    def handle(self, *args, name, jurisdictions, rate_limit, rotate, **options):
        try:
            client, key = issue_api_key(
                name=name,
                jurisdiction_slugs=jurisdictions,
                rate_limit_per_minute=rate_limit,
                rotate=rotate,
            )
        except ValidationError as exc:
            raise command_error(exc, intro=_("No key issued for %(n)s:") % {"n": name}) from exc
        allowed = ", ".join(client.jurisdictions.values_list("slug", flat=True))
        self.stderr.write(
            _("API key of %(n)s (may post to %(j)s, %(r)d requests a minute).")
            % {"n": client.name, "j": allowed, "r": client.rate_limit_per_minute}
        )
        self.stderr.write(_("It is shown only this once; store it in the client's settings:"))
        self.stdout.write(key)
