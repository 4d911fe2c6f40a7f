"""Map counts per grid cell and zoom level, kept current as requests change.

A map of a whole city at a million requests must not scan the requests table; it reads
MapCell rows for the viewport instead. Each public request is counted once per level,
in the cell that contains it, split by service type and open/closed.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q, Sum
from tqdm import tqdm

from fixboard.places.models import Jurisdiction
from fixboard.reports.models import ServiceRequest, Status
from fixboard.reports.selectors import public_requests

from .models import MapCell, MapPoint

# Finer levels would need about one row per request; closer in, the map groups the requests
# of the (small) viewport directly.
LEVELS = tuple(range(3, 14))
CELLS_PER_TILE = 4  # a cell is a quarter of a 256-pixel tile: about 64 pixels wide


def cell_size(level: int) -> float:
    """Width and height of a cell at this level, in degrees."""
    return 360 / 2**level / CELLS_PER_TILE


def level_for_zoom(zoom: int) -> int:
    """The cell level that suits a map at this zoom (stored only up to LEVELS[-1])."""
    return max(LEVELS[0], zoom)


def cell_of(level: int, lat: float, long: float) -> tuple[int, int]:
    size = cell_size(level)
    return math.floor((long + 180) / size), math.floor((lat + 90) / size)


@dataclass(frozen=True)
class Counted:
    jurisdiction_id: int
    service_type_id: int
    is_open: bool
    lat: float
    long: float


def _as_counted(request: ServiceRequest) -> Counted | None:
    visible = not (
        request.hidden or request.awaiting_confirmation or not request.service_type.public
    )
    if not visible:
        return None
    return Counted(
        request.jurisdiction_id,
        request.service_type_id,
        request.status != Status.CLOSED,
        request.lat,
        request.long,
    )


def _bump(counted: Counted, sign: int) -> None:
    for level in LEVELS:
        x, y = cell_of(level, counted.lat, counted.long)
        key = {
            "jurisdiction_id": counted.jurisdiction_id,
            "level": level,
            "cell_x": x,
            "cell_y": y,
            "service_type_id": counted.service_type_id,
            "is_open": counted.is_open,
        }
        change = {
            "count": F("count") + sign,
            "sum_lat": F("sum_lat") + sign * counted.lat,
            "sum_long": F("sum_long") + sign * counted.long,
        }
        if MapCell.objects.filter(**key).update(**change):
            continue
        try:
            with transaction.atomic():
                MapCell.objects.create(
                    **key, count=sign, sum_lat=sign * counted.lat, sum_long=sign * counted.long
                )
        except IntegrityError:
            MapCell.objects.filter(**key).update(**change)


@transaction.atomic
def count_request(request_id: int) -> None:
    """Bring the map counts in line with the request's current state (idempotent)."""
    request = ServiceRequest.objects.select_related("service_type").filter(pk=request_id).first()
    point = MapPoint.objects.select_for_update().filter(request_id=request_id).first()
    before = (
        Counted(point.jurisdiction_id, point.service_type_id, point.is_open, point.lat, point.long)
        if point
        else None
    )
    after = _as_counted(request) if request else None
    if before == after:
        return
    if before:
        _bump(before, -1)
    if after:
        _bump(after, +1)
        MapPoint.objects.update_or_create(
            request_id=request_id,
            defaults={
                "jurisdiction_id": after.jurisdiction_id,
                "service_type_id": after.service_type_id,
                "is_open": after.is_open,
                "lat": after.lat,
                "long": after.long,
            },
        )
    elif point:
        point.delete()


def _cells_for_level(level, types, opens, lats, longs, jurisdiction_id) -> list[MapCell]:
    size = cell_size(level)
    xs = np.floor((longs + 180) / size).astype(np.int64)
    ys = np.floor((lats + 90) / size).astype(np.int64)
    keys = np.stack([xs, ys, types, opens.astype(np.int64)], axis=1)
    unique, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    sum_lat = np.bincount(inverse, weights=lats, minlength=len(unique))
    sum_long = np.bincount(inverse, weights=longs, minlength=len(unique))
    return [
        MapCell(
            jurisdiction_id=jurisdiction_id,
            level=level,
            cell_x=int(k[0]),
            cell_y=int(k[1]),
            service_type_id=int(k[2]),
            is_open=bool(k[3]),
            count=int(c),
            sum_lat=float(sl),
            sum_long=float(sg),
        )
        for k, c, sl, sg in zip(unique, counts, sum_lat, sum_long, strict=True)
    ]


def _copy_points(jurisdiction: Jurisdiction) -> None:
    """MapPoint rows for every public request, written by the database in one statement."""
    visible = public_requests().filter(jurisdiction=jurisdiction)
    select, params = (
        visible.annotate(
            is_open=ExpressionWrapper(~Q(status=Status.CLOSED), output_field=BooleanField())
        )
        .values_list("id", "jurisdiction_id", "service_type_id", "is_open", "lat", "long")
        .query.sql_with_params()
    )
    table = connection.ops.quote_name(MapPoint._meta.db_table)
    columns = "request_id, jurisdiction_id, service_type_id, is_open, lat, long"
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)


def rebuild_map_aggregates(jurisdiction: Jurisdiction, *, progress: bool = False) -> int:
    """Recount every map cell of a jurisdiction from its requests; returns requests counted.

    Bulk imports call this once at the end instead of counting request by request.
    """
    with transaction.atomic():
        MapCell.objects.filter(jurisdiction=jurisdiction).delete()
        MapPoint.objects.filter(jurisdiction=jurisdiction).delete()
        _copy_points(jurisdiction)
        rows = MapPoint.objects.filter(jurisdiction=jurisdiction).values_list(
            "service_type_id", "is_open", "lat", "long"
        )
        columns = np.array(list(rows), dtype=float).reshape(-1, 4)
        types = columns[:, 0].astype(np.int64)
        opens = columns[:, 1].astype(bool)
        lats, longs = columns[:, 2], columns[:, 3]
        if len(columns):
            for level in tqdm(LEVELS, desc="map levels", disable=not progress):
                MapCell.objects.bulk_create(
                    _cells_for_level(level, types, opens, lats, longs, jurisdiction.pk),
                    batch_size=5000,
                )
    return len(columns)


def counts_by_jurisdiction(jurisdiction_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Open and total public requests per jurisdiction, from the coarsest map level."""
    result = {j: {"open": 0, "total": 0} for j in jurisdiction_ids}
    rows = (
        MapCell.objects.filter(level=LEVELS[0], jurisdiction_id__in=list(result))
        .values_list("jurisdiction_id", "is_open")
        .annotate(total=Sum("count"))
        .order_by()
    )
    for jurisdiction_id, is_open, count in rows:
        result[jurisdiction_id]["total"] += count
        if is_open:
            result[jurisdiction_id]["open"] += count
    return result
