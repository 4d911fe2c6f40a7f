import os
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from fixboard.catalog.languages import default_language, language_codes
from fixboard.reports.exporting import FORMATS, export_requests, public_requests

from .import_requests import errors_text, jurisdiction_by_slug


class Command(BaseCommand):
    help = _(
        "Export a jurisdiction's public service requests as open data (CSV or GeoJSON): "
        "public fields only, never contact details, hidden requests or private service "
        "types; one area_<kind> column per kind of area. Writes to standard output unless "
        "--output is given. Column names and codes are the same in every language; service "
        "names, departments and status labels are in --language."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--jurisdiction", required=True, help=_("Slug of the jurisdiction to export.")
        )
        parser.add_argument("--format", choices=FORMATS, default="csv", help=_("Default: csv."))
        parser.add_argument(
            "--output", type=Path, help=_("File to write; standard output when omitted.")
        )
        parser.add_argument(
            "--language",
            choices=language_codes(),
            default=default_language(),
            help=_("Language of the texts (service names, status labels). Default: %(default)s."),
        )

    def handle(
        self,
        *args,
        jurisdiction: str,
        format: str,
        output: Path | None,
        language: str,
        **options,
    ):
        target = jurisdiction_by_slug(jurisdiction)
        self.language = language
        if output is None:
            # The raw stream: OutputWrapper.write would add line endings and styles.
            stdout = getattr(self.stdout, "_out", sys.stdout)
            try:
                self._export(target, format, stdout, progress=False)
            except BrokenPipeError:
                # The reader stopped early (`| head`): not an error, and nothing to flush.
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115
            return
        output = Path(output)
        try:
            stream = output.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise CommandError(
                _("Cannot write %(p)s: %(e)s") % {"p": output, "e": exc.strerror}
            ) from None
        with stream:
            count = self._export(target, format, stream, progress=True)
        self.stdout.write(_("%(n)d requests written to %(p)s.") % {"n": count, "p": output})

    def _export(self, jurisdiction, format: str, stream, *, progress: bool) -> int:
        total = public_requests(jurisdiction).count() if progress else None
        with tqdm(total=total, unit=" requests", disable=not progress) as bar:
            try:
                return export_requests(
                    jurisdiction=jurisdiction,
                    format=format,
                    out=stream,
                    tick=lambda: bar.update(1),
                    language=self.language,
                )
            except ValidationError as exc:
                raise CommandError(errors_text(exc)) from None
