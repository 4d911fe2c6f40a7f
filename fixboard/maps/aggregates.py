"""Map counts per grid cell and zoom level, kept current as requests change.

A map of a whole city at a million requests must not scan the requests table; it reads
MapCell rows for the viewport instead. Each public request is counted once per level,
in the cell that contains it, split by service type and open/closed. A request nobody
pinpointed stands at its city's centre, not at its place: it is left off the map.
"""

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from django.db import connection, transaction
from django.db.models import BooleanField, Case, ExpressionWrapper, F, Q, Sum, When

from fixboard.places.models import Jurisdiction
from fixboard.reports.models import CloseReason, ServiceRequest, Status
from fixboard.reports.selectors import public_requests

from .models import MapCell, MapPoint

# Up to street level (cells of about 150 m): a viewport closer in than that holds few enough
# requests to group them directly from MapPoint.
LEVELS = tuple(range(3, 17))
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
    fixed_at: datetime | None = None  # when a request closed as fixed was closed


def _fixed_at(request: ServiceRequest) -> datetime | None:
    fixed = request.status == Status.CLOSED and request.close_reason == CloseReason.FIXED
    return request.closed_at if fixed else None


def _as_counted(request: ServiceRequest) -> Counted | None:
    if not (request.is_public and request.pinpointed):
        return None
    return Counted(
        request.jurisdiction_id,
        request.service_type_id,
        request.status != Status.CLOSED,
        request.lat,
        request.long,
        _fixed_at(request),
    )


CELL_COLUMNS = (
    "jurisdiction_id, level, cell_x, cell_y, service_type_id, is_open, count, sum_lat, sum_long"
)
CELL_KEY = "jurisdiction_id, level, cell_x, cell_y, service_type_id, is_open"


def _bump(changes: list[tuple[Counted, int]]) -> None:
    """Add (sign +1) or take away (-1) requests in their cells of every level, in one
    upsert whose rows go in key order, so concurrent recounts lock cells in the same order."""
    deltas: dict[tuple, tuple[int, float, float]] = {}
    for counted, sign in changes:
        for level in LEVELS:
            x, y = cell_of(level, counted.lat, counted.long)
            key = (counted.jurisdiction_id, level, x, y, counted.service_type_id, counted.is_open)
            count, sum_lat, sum_long = deltas.get(key, (0, 0.0, 0.0))
            deltas[key] = (
                count + sign,
                sum_lat + sign * counted.lat,
                sum_long + sign * counted.long,
            )
    rows = [(*key, *deltas[key]) for key in sorted(deltas)]
    table = MapCell._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({CELL_COLUMNS}) {_cell_rows(len(rows))} "
            f"ON CONFLICT ({CELL_KEY}) DO UPDATE SET count = {table}.count + excluded.count, "
            f"sum_lat = {table}.sum_lat + excluded.sum_lat, "
            f"sum_long = {table}.sum_long + excluded.sum_long",
            _cell_params(rows),
        )


# PostgreSQL gets one array per column: nine parameters whatever the number of rows, so
# psycopg reuses its parsed statement (it re-parses any statement of over 50 parameters).
_CELL_ARRAYS = (
    "SELECT * FROM unnest(%s::bigint[], %s::smallint[], %s::integer[], %s::integer[], "
    "%s::bigint[], %s::boolean[], %s::integer[], %s::float8[], %s::float8[]) "
    "ORDER BY 2, 3, 4, 5, 6"
)


def _cell_rows(count: int) -> str:
    if connection.vendor == "postgresql":
        return _CELL_ARRAYS
    return "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * count)


def _cell_params(rows: list[tuple]) -> list:
    if connection.vendor == "postgresql":
        return [list(column) for column in zip(*rows, strict=True)]
    return [value for row in rows for value in row]


def count_new_request(request: ServiceRequest) -> None:
    """Count a request `submit_request` has just written, inside its transaction."""
    counted = _as_counted(request)
    if counted:
        _bump([(counted, +1)])
        MapPoint.objects.create(request_id=request.pk, **asdict(counted))


def count_request(request_id: int) -> None:
    """Bring the map counts in line with the request's current state (idempotent)."""
    count_requests([request_id])


# Requests recounted together: their cells (two states at 14 levels each) go in one
# statement, within SQLite's 32,766 parameters.
RECOUNT_CHUNK = 50


@transaction.atomic
def count_requests(request_ids: Iterable[int]) -> None:
    """`count_request` of each request, in four statements per RECOUNT_CHUNK requests."""
    ids = sorted(set(request_ids))
    for start in range(0, len(ids), RECOUNT_CHUNK):
        _count_chunk(ids[start : start + RECOUNT_CHUNK])


def _count_chunk(ids: list[int]) -> None:
    requests = ServiceRequest.objects.select_related("service_type").in_bulk(ids)
    points = {
        point.request_id: point
        for point in MapPoint.objects.select_for_update().filter(request_id__in=ids)
    }
    changes: list[tuple[Counted, int]] = []
    upserts, gone = [], []
    for request_id in ids:
        point, request = points.get(request_id), requests.get(request_id)
        before = (
            Counted(**{f.name: getattr(point, f.name) for f in fields(Counted)}) if point else None
        )
        after = _as_counted(request) if request else None
        if before == after:
            continue
        changes += [(c, sign) for c, sign in ((before, -1), (after, +1)) if c]
        if after:
            upserts.append(MapPoint(request_id=request_id, **asdict(after)))
        elif point:
            gone.append(request_id)
    if not changes:
        return
    _bump(changes)
    if upserts:
        # One upsert statement: update_or_create takes five with its savepoints.
        MapPoint.objects.bulk_create(
            upserts,
            update_conflicts=True,
            unique_fields=["request"],
            update_fields=[f.name for f in fields(Counted)],
        )
    if gone:
        MapPoint.objects.filter(request_id__in=gone).delete()


POINT_COLUMNS = (
    "request_id",
    "jurisdiction_id",
    "service_type_id",
    "is_open",
    "lat",
    "long",
    "fixed_at",
)


def _sync_points(cursor, jurisdiction: Jurisdiction) -> None:
    """Make the jurisdiction's MapPoint rows match its public requests, in two statements.

    Bulk imports write requests without events: the points of the requests they changed
    are stale, and the requests they added have none. Points still right are left alone, so
    recounting after a small import into a big city writes little.
    """
    visible, params = (
        public_requests()
        .filter(jurisdiction=jurisdiction, pinpointed=True)
        .annotate(
            is_open=ExpressionWrapper(~Q(status=Status.CLOSED), output_field=BooleanField()),
            fixed_at=Case(
                When(status=Status.CLOSED, close_reason=CloseReason.FIXED, then=F("closed_at"))
            ),
        )
        .values_list("id", *POINT_COLUMNS[1:])
        .query.sql_with_params()
    )
    table = MapPoint._meta.db_table
    same = " AND ".join(f"v.{c} = {table}.{c}" for c in POINT_COLUMNS[1:-1])
    # NULL = NULL is not true in SQL: open requests have no fixed_at on either side.
    same += (
        f" AND (v.fixed_at = {table}.fixed_at OR (v.fixed_at IS NULL AND {table}.fixed_at IS NULL))"
    )
    selected = ", ".join(f"v.{c}" for c in ("id", *POINT_COLUMNS[1:]))
    cursor.execute(
        f"DELETE FROM {table} WHERE jurisdiction_id = %s AND NOT EXISTS "
        f"(SELECT 1 FROM ({visible}) v WHERE v.id = {table}.request_id AND {same})",
        [jurisdiction.pk, *params],
    )
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(POINT_COLUMNS)}) SELECT {selected} FROM ({visible}) v "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} p WHERE p.request_id = v.id)",
        params,
    )


def _count_finest_level(cursor, jurisdiction_id: int) -> None:
    """The finest cells, grouped from the points by the database (the same cells as cell_of)."""
    level = LEVELS[-1]
    # Cell sizes are powers of two times 360/4, so this division is exact in SQL as in Python.
    size = repr(cell_size(level))
    x = f"CAST(FLOOR((long + 180.0) / {size}) AS INTEGER)"
    y = f"CAST(FLOOR((lat + 90.0) / {size}) AS INTEGER)"
    cursor.execute(
        f"INSERT INTO {MapCell._meta.db_table} ({CELL_COLUMNS}) "
        f"SELECT jurisdiction_id, {level}, {x}, {y}, service_type_id, is_open, "
        "COUNT(*), SUM(lat), SUM(long) "
        f"FROM {MapPoint._meta.db_table} WHERE jurisdiction_id = %s "
        f"GROUP BY jurisdiction_id, {x}, {y}, service_type_id, is_open",
        [jurisdiction_id],
    )


def _roll_up(cursor, jurisdiction_id: int, level: int) -> None:
    """Cells of `level` from those of the next finer level, a quarter of their size.

    A cell twice as wide holds exactly the finer cells whose numbers halve to its own (cell
    numbers are never negative), so each level reads the smaller table of the one below.
    """
    cursor.execute(
        f"INSERT INTO {MapCell._meta.db_table} ({CELL_COLUMNS}) "
        f"SELECT jurisdiction_id, {level}, cell_x / 2, cell_y / 2, service_type_id, is_open, "
        "SUM(count), SUM(sum_lat), SUM(sum_long) "
        f"FROM {MapCell._meta.db_table} WHERE jurisdiction_id = %s AND level = %s "
        "GROUP BY jurisdiction_id, cell_x / 2, cell_y / 2, service_type_id, is_open",
        [jurisdiction_id, level + 1],
    )


def _refresh_statistics(cursor, model) -> None:
    # A bulk import has just rewritten the requests (and the sync the points). Planned on
    # stale statistics, PostgreSQL walks indexes through these whole-table statements, ten
    # times slower than scanning; autovacuum may be off, and is seldom round yet. SQLite
    # plans them well without.
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {model._meta.db_table}")


def rebuild_map_aggregates(jurisdiction: Jurisdiction) -> int:
    """Recount every map cell of a jurisdiction from its requests; returns requests counted.

    Bulk imports call this once at the end instead of counting request by request. The
    database does the counting: the points brought up to date, one GROUP BY over them for
    the finest level, then each coarser level from the one below it.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        _refresh_statistics(cursor, ServiceRequest)
        _sync_points(cursor, jurisdiction)
        _refresh_statistics(cursor, MapPoint)
        MapCell.objects.filter(jurisdiction=jurisdiction).delete()
        _count_finest_level(cursor, jurisdiction.pk)
        for level in reversed(LEVELS[:-1]):
            _roll_up(cursor, jurisdiction.pk, level)
    return counts_by_jurisdiction([jurisdiction.pk])[jurisdiction.pk]["total"]


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
