"""A jurisdiction's map, its list, the map's data and its area pages."""

from datetime import datetime, timedelta

import orjson
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from shapely.geometry import mapping

from fixboard.catalog.languages import asked_language
from fixboard.maps.selectors import RECENT, MapQuery, map_features, recent_cutoff
from fixboard.reports.selectors import Position, RequestFilters, list_public_requests

from ..forms import FilterForm
from ..selectors import (
    active_areas,
    area_or_404,
    area_requests,
    areas_with_geometry,
    jurisdiction_or_404,
    public_service_type,
    public_service_types,
)
from .common import feeds, map_settings

PAGE_SIZE = 25


def _filters(request, jurisdiction, *, service_types=None, areas=None, default_status=""):
    if service_types is None:
        service_types = public_service_types(jurisdiction)
    if areas is None:
        areas = active_areas(jurisdiction)
    data = request.GET.copy()
    # The map starts on what is going on now; "All" (status=) still shows six years.
    data.setdefault("status", default_status)
    form = FilterForm(data, service_types=service_types, areas=areas)
    values = form.cleaned_data if form.is_valid() else {}
    by_code = {s.code: s for s in service_types}
    service = by_code.get(values.get("service") or "")
    age = values.get("age")
    return form, {
        "service": service,
        "status": values.get("status") or "",
        "area_id": int(values["area"]) if values.get("area") else None,
        "since": timezone.now() - timedelta(days=int(age)) if age else None,
    }


def city_map(request, slug):
    jurisdiction = jurisdiction_or_404(slug)
    form, values = _filters(request, jurisdiction, default_status=RECENT)
    query = request.GET.copy()
    query["status"] = values["status"]
    return render(
        request,
        "web/map.html",
        {
            "jurisdiction": jurisdiction,
            "form": form,
            "list_query": query.urlencode(),
            "areas": active_areas(jurisdiction),
            **map_settings(jurisdiction),
            **_filtered_feeds(jurisdiction, values),
        },
    )


def _filtered_feeds(jurisdiction, values: dict) -> dict:
    area = values.get("area_id")
    areas = active_areas(jurisdiction, pk=area) if area else []
    return feeds(jurisdiction, service=values.get("service"), areas=[(a.pk, a.name) for a in areas])


def _position(text: str) -> Position | None:
    try:
        stamp, pk = text.rsplit("_", 1)
        return Position("-requested_at", datetime.fromisoformat(stamp), int(pk))
    except (ValueError, TypeError):
        return None


def request_filters(values: dict, **more) -> RequestFilters:
    """The filters of the map and list form, as the reports selectors take them."""
    status = values.get("status")
    return RequestFilters(
        area_id=values.get("area_id"),
        statuses=(status,) if status not in ("", RECENT) else (),
        open_or_fixed_after=recent_cutoff() if status == RECENT else None,
        service_codes=(values["service"].code,) if values.get("service") else (),
        requested_after=values.get("since"),
        **more,
    )


def city_list(request, slug):
    jurisdiction = jurisdiction_or_404(slug)
    form, values = _filters(request, jurisdiction)
    filters = request_filters(values, jurisdiction=jurisdiction.slug)
    after = _position(request.GET.get("after", ""))
    page = list_public_requests(filters=filters, after=after, limit=PAGE_SIZE)
    query = request.GET.copy()
    query.pop("after", None)
    next_query = None
    if page.next:
        query["after"] = f"{page.next.value.isoformat()}_{page.next.id}"
        next_query = query.urlencode()
    return render(
        request,
        "web/list.html",
        {
            "jurisdiction": jurisdiction,
            "form": form,
            "rows": page.rows,
            "next_query": next_query,
            "is_first_page": after is None,
            **_filtered_feeds(jurisdiction, values),
        },
    )


def _floats(request, names) -> list[float]:
    return [float(request.GET[name]) for name in names]


@require_GET
def map_data(request, slug):
    jurisdiction = jurisdiction_or_404(slug)
    try:
        south, west, north, east = _floats(request, ("south", "west", "north", "east"))
        zoom = int(request.GET.get("zoom", "12"))
    except (KeyError, ValueError):
        return HttpResponseBadRequest("south, west, north, east and zoom are required numbers")
    # Asked at every move of the map: read only the service type and area it names.
    code, area = request.GET.get("service"), request.GET.get("area")
    service = public_service_type(slug, code) if code else None
    _form, values = _filters(
        request,
        jurisdiction,
        service_types=[service] if service else [],
        areas=active_areas(jurisdiction, pk=area) if area and area.isdigit() else [],
        default_status=RECENT,
    )
    query = MapQuery(
        south=south,
        west=west,
        north=north,
        east=east,
        zoom=max(0, min(zoom, 22)),
        service_type_ids=(values["service"].pk,) if values["service"] else (),
        status=values["status"],
        area_id=values["area_id"],
        since=values["since"],
    )
    return HttpResponse(
        orjson.dumps(map_features(jurisdiction, query)), content_type="application/json"
    )


@require_GET
@cache_control(max_age=300, public=True)
def areas_geojson(request, slug):
    # Pages ask with their own language (`?lang=`), so a cached copy in one language is
    # never shown beside a page in another (the area page focuses its area by name).
    language = asked_language(request.GET.get("lang", "")) or translation.get_language()
    jurisdiction = jurisdiction_or_404(slug)
    features = []
    boundary = jurisdiction.boundary
    if boundary is not None:
        features.append(_feature(boundary, {"kind": "boundary", "name": jurisdiction.name}))
    with translation.override(language):
        for area in areas_with_geometry(jurisdiction):
            features.append(
                _feature(
                    area.geometry,
                    {
                        "kind": area.kind,
                        "name": area.name,
                        "url": area_url(jurisdiction.slug, area),
                    },
                )
            )
    body = {"type": "FeatureCollection", "features": features}
    response = HttpResponse(orjson.dumps(body), content_type="application/geo+json")
    response["Content-Language"] = language
    return response


def _feature(geometry, properties) -> dict:
    # Simplified to a few metres: outlines only, small enough for a phone.
    simple = geometry.simplify(0.00005, preserve_topology=True)
    return {"type": "Feature", "properties": properties, "geometry": mapping(simple)}


def area_url(slug, area) -> str:
    return reverse("web:area", args=[slug, area.kind, area.code])


def area_page(request, slug, kind, code):
    jurisdiction = jurisdiction_or_404(slug)
    area = area_or_404(jurisdiction, kind, code)
    return render(
        request,
        "web/area.html",
        {
            "jurisdiction": jurisdiction,
            "area": area,
            **area_requests(area),
            **map_settings(jurisdiction),
            "area_bounds": [[area.min_lat, area.min_long], [area.max_lat, area.max_long]],
            **feeds(jurisdiction, areas=[(area.pk, area.name)]),
        },
    )
