"""fixboard import-addresses FILE --jurisdiction SLUG [--mapping LAYOUT.toml]"""

import csv
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fixboard.core.commands import command_error, not_found, progress_stream
from fixboard.places.address_files import load_layout
from fixboard.places.address_import import import_addresses
from fixboard.places.models import Jurisdiction


class Command(BaseCommand):
    help = _(
        "Import a city's address points into the address index: OpenAddresses CSV or GeoJSON, "
        "or another CSV layout through --mapping. Running it again adds nothing; every row is "
        "counted as added, moved, already known or rejected with a reason. See docs/import.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("The CSV or GeoJSON file."))
        parser.add_argument(
            "--jurisdiction",
            required=True,
            help=_("Slug of the jurisdiction the addresses are in."),
        )
        parser.add_argument(
            "--mapping",
            help=_(
                "A TOML file saying which column holds what, for a CSV in another layout "
                "than OpenAddresses'."
            ),
        )
        parser.add_argument(
            "--rejected",
            type=Path,
            help=_("Write every rejected row (row, reason, message) to this CSV file."),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=_("Do not show a progress bar.")
        )

    def handle(self, *args, file: Path, jurisdiction: str, mapping, rejected, **options):
        try:
            place = Jurisdiction.objects.get(slug=jurisdiction)
        except Jurisdiction.DoesNotExist:
            known = list(Jurisdiction.objects.order_by("slug").values_list("slug", flat=True))
            raise not_found(_("jurisdiction"), jurisdiction, known) from None
        if not file.is_file():
            raise CommandError(_("No such file: %(f)s") % {"f": file})
        try:
            layout = load_layout(mapping) if mapping else None
            result = self._import(file, place, layout, rejected, not options["no_progress"])
        except ValidationError as exc:
            raise command_error(
                exc, intro=_("Nothing was imported from %(f)s:") % {"f": file}
            ) from exc
        self.stdout.write(
            _(
                "%(rows)d rows in %(s).1f s (%(r).0f rows/s): %(a)d new, %(m)d moved, "
                "%(k)d already known, %(x)d rejected."
            )
            % {
                "rows": result.rows,
                "s": result.elapsed,
                "r": result.rate,
                "a": result.added,
                "m": result.moved,
                "k": result.known,
                "x": result.rejected.total(),
            }
        )
        for reason, count in result.rejected.most_common():
            self.stdout.write(_("Rejected, %(r)s: %(n)d") % {"r": reason, "n": count})
            for example in result.examples.get(reason, []):
                self.stdout.write(f"  {example}")

    def _import(self, file, place, layout, rejected: Path | None, progress: bool):
        options = {"path": file, "jurisdiction": place, "layout": layout, "progress": progress}
        options["progress_file"] = progress_stream(self)
        if rejected is None:
            return import_addresses(**options)
        with rejected.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["row", "reason", "message"])
            return import_addresses(
                **options,
                on_reject=lambda n, reason, message: writer.writerow([n, reason, message]),
            )
