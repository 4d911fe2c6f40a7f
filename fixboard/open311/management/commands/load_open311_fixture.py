"""fixboard load-open311-fixture JURISDICTION FILE…"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from fixboard.core.commands import command_error, not_found
from fixboard.open311 import loading
from fixboard.places.models import Jurisdiction

ORDER = {"services": 0, "definition": 1, "requests": 2}


class Command(BaseCommand):
    help = _(
        "Load saved answers of another Open311 server (services, service definitions, "
        "requests; XML or JSON) as a jurisdiction's service types and requests."
    )

    def add_arguments(self, parser):
        parser.add_argument("jurisdiction", help=_("The jurisdiction's slug."))
        parser.add_argument("files", nargs="+", type=Path, help=_("Saved .json or .xml answers."))

    def handle(self, *args, jurisdiction, files, **options):
        found = Jurisdiction.objects.filter(slug=jurisdiction).first()
        if found is None:
            raise not_found(
                _("jurisdiction"),
                jurisdiction,
                list(Jurisdiction.objects.values_list("slug", flat=True)),
            )
        try:
            answers = sorted(
                ((loading.kind_of(data := loading.read_answer(p)), p, data) for p in files),
                key=lambda answer: ORDER[answer[0]],
            )
            for kind, path, data in answers:
                self._load(found, kind, path, data)
        except ValidationError as exc:
            raise command_error(exc, intro=_("Nothing more loaded:")) from exc

    def _load(self, jurisdiction, kind, path, data):
        if kind == "services":
            result = loading.load_services(jurisdiction=jurisdiction, services=data)
            self.stdout.write(
                _("%(p)s: %(c)d service types created, %(u)d updated.")
                % {"p": path.name, "c": len(result.created), "u": len(result.updated)}
            )
            for message in result.skipped:
                self.stderr.write(_("  skipped: %(m)s") % {"m": message})
        elif kind == "definition":
            service = loading.load_definition(jurisdiction=jurisdiction, definition=data)
            self.stdout.write(
                _("%(p)s: questions of %(s)s set.") % {"p": path.name, "s": service.code}
            )
        else:
            result = loading.load_requests(jurisdiction=jurisdiction, requests=data)
            self.stdout.write(
                _("%(p)s: %(c)d requests created, %(u)d updated, %(s)d skipped.")
                % {
                    "p": path.name,
                    "c": result.created,
                    "u": result.updated,
                    "s": result.skipped.total(),
                }
            )
            for reason, examples in result.examples.items():
                for example in examples:
                    self.stderr.write(f"  {reason}: {example.message}")
