"""What a map shows for a viewport: counted cells when zoomed out, points when close in.

Filters the maintained tables can answer (service type, open or closed) read them: MapCell
up to its finest level, MapPoint (one row per counted request) closer in. The map's default,
open requests and those fixed in the last RECENT_DAYS, adds to the open cells the few
recently fixed points in view. Other filters (area, age, a precise status) need the
requests table.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db.models import Count, F, FloatField, IntegerField, Q, Sum
from django.db.models.functions import Cast, Floor
from django.utils import timezone

from fixboard.catalog.languages import localized
from fixboard.places.models import Jurisdiction
from fixboard.reports.models import Status
from fixboard.reports.selectors import RequestFilters, filter_requests, public_requests

from .aggregates import LEVELS, cell_of, cell_size, level_for_zoom
from .models import MapCell, MapPoint

POINT_LIMIT = 600
RECENT = "recent"  # the status filter: open, or fixed in the last RECENT_DAYS
RECENT_DAYS = 30
COUNTED_STATUSES = ("", "open", "closed", RECENT)
# Closer in than the finest cells, show the (newest) points whatever their number.
POINTS_ZOOM = LEVELS[-1] + 1


@dataclass(frozen=True)
class MapQuery:
    south: float
    west: float
    north: float
    east: float
    zoom: int
    service_type_ids: tuple[int, ...] = ()
    status: str = ""  # "", "open", "closed", RECENT or one Status value
    area_id: int | None = None
    since: datetime | None = None

    @property
    def needs_requests_table(self) -> bool:
        """Filters the maintained counts cannot answer."""
        return bool(self.area_id or self.since or self.status not in COUNTED_STATUSES)

    @property
    def fixed_after(self) -> datetime | None:
        return recent_cutoff() if self.status == RECENT else None


def recent_cutoff() -> datetime:
    """Requests fixed since this moment are recent enough for the map's default view."""
    return timezone.now() - timedelta(days=RECENT_DAYS)


def matching_requests(jurisdiction: Jurisdiction, query: MapQuery):
    """Public requests of the jurisdiction matching the query's filters (no viewport)."""
    filters = RequestFilters(
        area_id=query.area_id,
        statuses=(query.status,) if query.status not in ("", RECENT) else (),
        requested_after=query.since,
        open_or_fixed_after=query.fixed_after,
    )
    # One nobody pinpointed stands at its city's centre, not at its place: off the map.
    on_map = public_requests().filter(jurisdiction=jurisdiction, pinpointed=True)
    qs = filter_requests(on_map, filters)
    if query.service_type_ids:
        qs = qs.filter(service_type_id__in=query.service_type_ids)
    return qs


def _in_view(qs, query: MapQuery):
    return qs.filter(
        lat__gte=query.south, lat__lte=query.north, long__gte=query.west, long__lte=query.east
    )


def _counted(qs, query: MapQuery):
    """Maintained rows (cells or points) narrowed by the filters they can answer."""
    if query.service_type_ids:
        qs = qs.filter(service_type_id__in=query.service_type_ids)
    if query.status in ("open", "closed"):
        qs = qs.filter(is_open=query.status == "open")
    return qs


def _recent_points(qs, query: MapQuery):
    """Points narrowed by the filters they can answer, RECENT included."""
    if query.status == RECENT:
        qs = qs.filter(Q(is_open=True) | Q(fixed_at__gte=query.fixed_after))
    return _counted(qs, query)


def _cells_from_counts(jurisdiction, query: MapQuery, level: int):
    if query.status != RECENT:
        return _counted_cells(jurisdiction, query, level)
    open_cells = _counted_cells(jurisdiction, replace(query, status="open"), level)
    fixed = _in_view(MapPoint.objects.filter(jurisdiction=jurisdiction), query).filter(
        fixed_at__gte=query.fixed_after
    )
    fixed = _counted(fixed, query)
    return _merged(open_cells, _grouped(fixed, level, key="request_id", open_q=Q(is_open=True)))


def _merged(*groups) -> list[tuple]:
    """Rows of cells (x, y, n, sum lat, sum long, n open) added up cell by cell."""
    cells: dict[tuple[int, int], list] = {}
    for rows in groups:
        for x, y, *sums in rows:
            total = cells.setdefault((x, y), [0, 0.0, 0.0, 0])
            for i, value in enumerate(sums):
                total[i] += value or 0
    return [(x, y, *sums) for (x, y), sums in cells.items()]


def _counted_cells(jurisdiction, query: MapQuery, level: int):
    x0, y0 = cell_of(level, query.south, query.west)
    x1, y1 = cell_of(level, query.north, query.east)
    qs = MapCell.objects.filter(
        jurisdiction=jurisdiction,
        level=level,
        cell_x__gte=x0,
        cell_x__lte=x1,
        cell_y__gte=y0,
        cell_y__lte=y1,
        count__gt=0,
    )
    return (
        _counted(qs, query)
        .values_list("cell_x", "cell_y")
        .annotate(
            n=Sum("count"),
            slat=Sum("sum_lat"),
            slong=Sum("sum_long"),
            n_open=Sum("count", filter=Q(is_open=True)),
        )
        .order_by()
    )


OPEN_REQUEST = ~Q(status=Status.CLOSED)


def _grouped(qs, level: int, *, key: str = "id", open_q: Q = OPEN_REQUEST):
    size = cell_size(level)
    return (
        qs.annotate(
            cx=Cast(Floor((F("long") + 180.0) / size), IntegerField()),
            cy=Cast(Floor((F("lat") + 90.0) / size), IntegerField()),
        )
        .values_list("cx", "cy")
        .annotate(
            n=Count(key),
            slat=Sum("lat", output_field=FloatField()),
            slong=Sum("long", output_field=FloatField()),
            n_open=Count(key, filter=open_q),
        )
        .order_by()
    )


def _cells_from_requests(jurisdiction, query: MapQuery, level: int):
    return _grouped(_in_view(matching_requests(jurisdiction, query), query), level)


def _in_view_rows(jurisdiction, query: MapQuery):
    if query.needs_requests_table:
        return _in_view(matching_requests(jurisdiction, query), query)
    return _recent_points(
        _in_view(MapPoint.objects.filter(jurisdiction=jurisdiction), query), query
    )


def _points(jurisdiction, query: MapQuery) -> list[dict]:
    if query.needs_requests_table:
        rows = (
            _in_view_rows(jurisdiction, query)
            .order_by("-requested_at", "-id")
            .values_list(
                "public_id",
                "lat",
                "long",
                "status",
                localized("service_type__name"),
                "requested_at",
            )
        )
    else:
        # From the points in view (an index range) to their requests, not the other way round.
        rows = (
            _in_view_rows(jurisdiction, query)
            .order_by("-request__requested_at", "-request_id")
            .values_list(
                "request__public_id",
                "lat",
                "long",
                "request__status",
                localized("service_type__name"),
                "request__requested_at",
            )
        )
    labels = {status: str(status.label) for status in Status}  # translated once, not per point
    return [
        {
            "id": public_id,
            "lat": lat,
            "long": long,
            "open": status != Status.CLOSED,
            "status": labels[status],
            "service": service,
            "date": requested_at.date().isoformat(),
        }
        for public_id, lat, long, status, service, requested_at in rows[:POINT_LIMIT]
    ]


def map_features(jurisdiction: Jurisdiction, query: MapQuery) -> dict:
    """Cells (lat, long, count, open count) for the viewport, or the points when few enough."""
    if query.zoom < POINTS_ZOOM:
        level = level_for_zoom(query.zoom)
        if query.needs_requests_table:
            rows = _cells_from_requests(jurisdiction, query, level)
        else:
            rows = _cells_from_counts(jurisdiction, query, level)
        cells = [
            [round(slat / n, 6), round(slong / n, 6), n, n_open or 0]
            for _x, _y, n, slat, slong, n_open in rows
            if n > 0
        ]
        total = sum(cell[2] for cell in cells)
        if total > POINT_LIMIT:
            return {"mode": "cells", "total": total, "cells": cells}
    else:
        total = _in_view_rows(jurisdiction, query).count()
    return {"mode": "points", "total": total, "points": _points(jurisdiction, query)}
