"""fixboard import-areas FILE.geojson --jurisdiction SLUG --kind KIND --name-property PROP"""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from fixboard.core.commands import command_error, not_found, progress_stream
from fixboard.places.actions import import_areas, import_boundary, read_feature_collection
from fixboard.places.models import Jurisdiction


class Command(BaseCommand):
    help = _(
        "Import a GeoJSON FeatureCollection of polygons as areas of one kind (wards, "
        "neighbourhoods…) of a jurisdiction. Areas with the same code are updated; invalid "
        "polygons are repaired and listed. With --boundary the file's union also becomes "
        "the jurisdiction's boundary; --boundary without --kind sets only the boundary."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help=_("A GeoJSON FeatureCollection (WGS84)."))
        parser.add_argument(
            "--jurisdiction", required=True, help=_("Slug of the jurisdiction the areas belong to.")
        )
        parser.add_argument(
            "--kind", help=_("Kind of area, as a slug: council-district, neighborhood-council…")
        )
        parser.add_argument(
            "--name-property", help=_("The feature property holding each area's name.")
        )
        parser.add_argument(
            "--code-property",
            help=_("The property holding a stable code (default: the name, slugified)."),
        )
        parser.add_argument(
            "--boundary",
            action="store_true",
            help=_("Make the union of these polygons the jurisdiction's boundary."),
        )

    def handle(self, *args, file, jurisdiction, kind, name_property, code_property, boundary, **o):
        if not boundary and not (kind and name_property):
            raise CommandError(
                _("Give --kind and --name-property (or --boundary to set only the boundary).")
            )
        if bool(kind) != bool(name_property):
            raise CommandError(_("--kind and --name-property go together."))
        place = self._jurisdiction(jurisdiction)
        try:
            features = read_feature_collection(file)
            if kind:
                self._import_areas(place, features, kind, name_property, code_property, boundary)
            else:
                self._import_boundary(place, features)
        except ValidationError as exc:
            raise command_error(
                exc, intro=_("Nothing was imported from %(f)s:") % {"f": file}
            ) from exc

    def _jurisdiction(self, slug: str) -> Jurisdiction:
        try:
            return Jurisdiction.objects.get(slug=slug)
        except Jurisdiction.DoesNotExist:
            known = list(Jurisdiction.objects.order_by("slug").values_list("slug", flat=True))
            raise not_found(_("jurisdiction"), slug, known) from None

    def _import_areas(self, place, features, kind, name_property, code_property, boundary):
        progress = tqdm(features, desc=_("Areas"), unit=_("area"), file=progress_stream(self))
        with progress:
            result = import_areas(
                jurisdiction=place,
                features=progress,
                kind=kind,
                name_property=name_property,
                code_property=code_property,
                as_boundary=boundary,
            )
        self._warn_repaired(result.repaired)
        self.stdout.write(
            self.style.SUCCESS(
                _("%(j)s: %(c)d %(k)s areas created, %(u)d updated.")
                % {"j": place.name, "c": result.created, "u": result.updated, "k": kind}
            )
        )
        if result.boundary_set:
            self.stdout.write(_("The boundary of %(j)s is now their union.") % {"j": place.name})
        else:
            self.stdout.write(_("The boundary of %(j)s is unchanged.") % {"j": place.name})

    def _import_boundary(self, place, features):
        self._warn_repaired(import_boundary(jurisdiction=place, features=features))
        self.stdout.write(
            self.style.SUCCESS(_("The boundary of %(j)s is set from the file.") % {"j": place.name})
        )

    def _warn_repaired(self, names: list[str]) -> None:
        for name in names:
            self.stderr.write(
                self.style.WARNING(
                    _("Warning: the polygon of %(n)s was invalid and was repaired.") % {"n": name}
                )
            )
