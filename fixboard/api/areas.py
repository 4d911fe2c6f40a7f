"""Areas (wards, neighbourhoods…): a list for pickers, one with its shape for the map."""

import shapely
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import HttpError
from shapely.geometry import mapping

from fixboard.places.models import Area

from . import cursors
from .errors import Problem
from .schemas import AreaFeature, AreaPage, AreaQuery, DbInt

router = Router(tags=["areas"])
FIELDS = ("id", "jurisdiction__slug", "kind", "code", "name")
BBOX = ("min_long", "min_lat", "max_long", "max_lat")
# A map of a city needs ~1/2000 of the area's extent; that is ~10 m for a 20 km ward.
SIMPLIFY_FRACTION = 1 / 2000


def _out(row: dict) -> dict:
    return {
        "id": row["id"],
        "jurisdiction": row["jurisdiction__slug"],
        "kind": row["kind"],
        "code": row["code"],
        "name": row["name"],
        "bbox": [row[k] for k in BBOX],
    }


@router.get("/areas", response={200: AreaPage, 400: Problem, 422: Problem})
def list_areas(request, query: Query[AreaQuery]):
    """Active areas, by jurisdiction and kind, in pages of `limit` (ordered by id)."""
    areas = Area.objects.filter(active=True)
    if query.jurisdiction:
        areas = areas.filter(jurisdiction__slug=query.jurisdiction)
    if query.kind:
        areas = areas.filter(kind=query.kind)
    if query.cursor:
        try:
            areas = areas.filter(id__gt=cursors.decode_id(query.cursor))
        except cursors.BadCursor as exc:
            raise HttpError(400, str(exc)) from exc
    rows = list(areas.order_by("id").values(*FIELDS, *BBOX)[: query.limit + 1])
    more = len(rows) > query.limit
    rows = rows[: query.limit]
    return {
        "items": [_out(r) for r in rows],
        "next_cursor": cursors.encode_id(rows[-1]["id"]) if more else None,
    }


def _geometry(area: Area, full: bool) -> dict:
    geometry = area.geometry
    if not full:
        extent = max(area.max_long - area.min_long, area.max_lat - area.min_lat)
        geometry = shapely.simplify(geometry, extent * SIMPLIFY_FRACTION, preserve_topology=True)
    return mapping(shapely.set_precision(geometry, 1e-6))


@router.get("/areas/{area_id}", response={200: AreaFeature, 404: Problem, 422: Problem})
def area_detail(request, area_id: DbInt, full: bool = False):
    """An area as a GeoJSON Feature; its geometry is simplified for maps unless `full`."""
    area = (
        Area.objects.filter(pk=area_id, active=True)
        .select_related("jurisdiction")
        .only(*FIELDS, *BBOX, "geometry_wkb")
        .first()
    )
    if area is None:
        raise Http404(_("There is no area %(id)s.") % {"id": area_id})
    row = {f: getattr(area, f) for f in ("id", "kind", "code", "name", *BBOX)}
    row["jurisdiction__slug"] = area.jurisdiction.slug
    return {
        "type": "Feature",
        "id": area.pk,
        "properties": _out(row),
        "geometry": _geometry(area, full),
    }
