from argparse import BooleanOptionalAction
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from fixboard.places.models import Jurisdiction
from fixboard.reports.importing import import_requests, load_mapping, shipped_mapping
from fixboard.reports.importing.importer import others_live
from fixboard.reports.importing.lock import ImportRunning

NAMES_SHOWN = 12


def jurisdiction_by_slug(slug: str) -> Jurisdiction:
    """The jurisdiction, or a CommandError listing the ones that exist."""
    try:
        return Jurisdiction.objects.get(slug=slug)
    except Jurisdiction.DoesNotExist:
        known = ", ".join(Jurisdiction.objects.values_list("slug", flat=True)) or _("none yet")
        raise CommandError(
            _("No jurisdiction %(s)s. Known jurisdictions: %(k)s.") % {"s": slug, "k": known}
        ) from None


def errors_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "\n".join(
            f"{field}: {msg}" for field, msgs in exc.message_dict.items() for msg in msgs
        )
    return "\n".join(exc.messages)


class Command(BaseCommand):
    help = _(
        "Import service requests from a city's 311 CSV export. Rows are keyed on the source's "
        "own id, so running it again on the same or a newer file updates instead of "
        "duplicating. Unusable rows are skipped and counted by reason. See docs/import.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("The CSV file."))
        parser.add_argument(
            "--jurisdiction", required=True, help=_("Slug of the jurisdiction to import into.")
        )
        parser.add_argument(
            "--mapping",
            required=True,
            help=_(
                "A mapping TOML file saying which column is which, or the name of a mapping "
                "shipped with Fixboard: la-2017, la-2020, sf."
            ),
        )
        parser.add_argument(
            "--no-progress", action="store_true", help=_("Do not show a progress bar.")
        )
        parser.add_argument(
            "--bulk",
            action=BooleanOptionalAction,
            default=None,
            help=_(
                "Take the secondary indexes and foreign keys of the whole requests table off "
                "during the import and build them again after it (much faster for a first "
                "load). Every city's searches are slower meanwhile, and its writes wait while "
                "each index is built. By default on only when the file holds at least 5,000 "
                "rows and twice the requests already stored, and the table holds nothing but "
                "this jurisdiction's imported requests."
            ),
        )

    def handle(self, *args, file: Path, jurisdiction: str, mapping: str, **options):
        target = jurisdiction_by_slug(jurisdiction)
        mapping_path = Path(mapping)
        if not mapping_path.exists() and shipped_mapping(mapping).exists():
            mapping_path = shipped_mapping(mapping)
        if options["bulk"] and others_live(target):
            self.stderr.write(
                _(
                    "Warning: --bulk takes the indexes of every city's requests off until the "
                    "import ends; the site's searches are slower and its writes wait while "
                    "they are built again."
                )
            )
        try:
            result = import_requests(
                path=file,
                jurisdiction=target,
                mapping=load_mapping(mapping_path),
                progress=not options["no_progress"],
                bulk=options["bulk"],
            )
        except ValidationError as exc:
            raise CommandError(errors_text(exc)) from None
        except ImportRunning as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "%(rows)d rows in %(s).1f s (%(r).0f rows/s): "
                "%(c)d created, %(u)d updated, %(k)d skipped."
            )
            % {
                "rows": result.rows,
                "s": result.elapsed,
                "r": result.rate,
                "c": result.created,
                "u": result.updated,
                "k": result.skipped.total(),
            }
        )
        if result.located_by_address:
            self.stdout.write(
                _("%(n)d rows without coordinates were placed by their address.")
                % {"n": result.located_by_address}
            )
        for label, names in (
            (_("New service types"), result.created_service_types),
            (_("New departments"), result.created_departments),
        ):
            if names:
                shown = ", ".join(names[:NAMES_SHOWN])
                more = len(names) - NAMES_SHOWN
                extra = _(" and %(n)d more") % {"n": more} if more > 0 else ""
                self.stdout.write(f"{label} ({len(names)}): {shown}{extra}")
        for reason, count in result.skipped.most_common():
            self.stdout.write(_("Skipped, %(r)s: %(n)d") % {"r": reason, "n": count})
            for example in result.examples.get(reason, []):
                self.stdout.write(f"  {example.message}")
