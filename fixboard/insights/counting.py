"""Public figures kept current as requests change, and rebuilt in bulk after imports.

A page of figures at a million requests must not group the requests table. Each public
request is counted once in its city, once in its department and once in each of its areas
(`FigureState`), and `FigureTally` adds those up per service type, outcome, bucket of days
to fix and SLA result. Pages read the tallies of one scope (`selectors`).

What counts (docs/insights.md): every public request is "opened", except one closed as a
duplicate (its problem is counted on the request it was merged into). "Fixed" is closed
with the reason fixed; "closed otherwise" is any other close reason (not actionable,
referred, cancelled); the rest is still open. Days to fix run from `requested_at` to
`closed_at`, in whole seconds, counted in the buckets of BUCKETS.
"""

import math
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import connection, transaction

from fixboard.places.models import Jurisdiction
from fixboard.reports.models import CloseReason, RequestArea, ServiceRequest, Status
from fixboard.reports.selectors import public_requests

from .models import NO_BUCKET, FigureState, FigureTally, Outcome, Scope, Sla

DAY = 86_400
# Lower edges of the buckets of days to fix: each day for a month, then each week up to
# three months, then coarser. Median and 90th percentile are read as the lower edge of the
# bucket they fall in, so they are exact to the day below 31 days, to the week below 91.
BUCKETS = (
    *range(31),
    *range(35, 92, 7),
    105,
    120,
    150,
    180,
    240,
    300,
    365,
    450,
    550,
    730,
    1095,
    1460,
)


def bucket_of(seconds: int) -> int:
    """The bucket (its lower edge, in days) of a time to fix of `seconds`."""
    days = max(0, seconds) // DAY
    return BUCKETS[bisect_right(BUCKETS, days) - 1]


def seconds_to_fix(requested_at: datetime, closed_at: datetime) -> int:
    # Whole seconds of each time, as the rebuild's SQL reads them on both databases.
    return math.floor(closed_at.timestamp()) - math.floor(requested_at.timestamp())


@dataclass(frozen=True)
class Counted:
    jurisdiction_id: int
    scope: str
    scope_id: int
    service_type_id: int
    outcome: str
    fix_bucket: int
    sla: int


def _outcome(request: ServiceRequest) -> tuple[str, int, int] | None:
    """(outcome, fix bucket, SLA result) of a public request, None if it is not counted."""
    if request.status != Status.CLOSED:
        return Outcome.OPEN, NO_BUCKET, Sla.NONE
    if request.close_reason == CloseReason.DUPLICATE:
        return None
    if request.close_reason != CloseReason.FIXED:
        return Outcome.CLOSED, NO_BUCKET, Sla.NONE
    if request.closed_at is None:
        return Outcome.FIXED, NO_BUCKET, Sla.NONE
    bucket = bucket_of(seconds_to_fix(request.requested_at, request.closed_at))
    if request.expected_at is None:
        return Outcome.FIXED, bucket, Sla.NONE
    met = request.closed_at <= request.expected_at
    return Outcome.FIXED, bucket, Sla.MET if met else Sla.MISSED


def _as_counted(request: ServiceRequest | None, area_ids: Iterable[int]) -> set[Counted]:
    if request is None or not request.is_public:
        return set()
    outcome = _outcome(request)
    if outcome is None:
        return set()
    scopes = [(Scope.CITY, request.jurisdiction_id)]
    if request.department_id:
        scopes.append((Scope.DEPARTMENT, request.department_id))
    scopes += [(Scope.AREA, area_id) for area_id in area_ids]
    result, bucket, sla = outcome
    return {
        Counted(
            request.jurisdiction_id,
            str(scope),
            scope_id,
            request.service_type_id,
            str(result),
            bucket,
            int(sla),
        )
        for scope, scope_id in scopes
    }


TALLY_COLUMNS = "jurisdiction_id, scope, scope_id, service_type_id, outcome, fix_bucket, sla"
TALLY_KEY = "scope, scope_id, service_type_id, outcome, fix_bucket, sla"
# PostgreSQL gets one array per column, so psycopg reuses one parsed statement (see maps).
_TALLY_ARRAYS = (
    "SELECT * FROM unnest(%s::bigint[], %s::varchar[], %s::bigint[], %s::bigint[], "
    "%s::varchar[], %s::smallint[], %s::smallint[], %s::integer[]) ORDER BY 2, 3, 4, 5, 6, 7"
)


def _bump(changes: list[tuple[Counted, int]]) -> None:
    """Add (+1) or take away (-1) requests from their tallies, in one upsert whose rows go in
    key order, so concurrent recounts lock tallies in the same order."""
    deltas: dict[tuple, int] = {}
    for counted, sign in changes:
        key = tuple(asdict(counted).values())
        deltas[key] = deltas.get(key, 0) + sign
    rows = [(*key, delta) for key, delta in sorted(deltas.items(), key=_tally_order) if delta]
    if not rows:
        return
    if connection.vendor == "postgresql":
        source, params = _TALLY_ARRAYS, [list(column) for column in zip(*rows, strict=True)]
    else:
        source = "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(rows))
        params = [value for row in rows for value in row]
    table = FigureTally._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({TALLY_COLUMNS}, count) {source} "
            f"ON CONFLICT ({TALLY_KEY}) DO UPDATE SET count = {table}.count + excluded.count",
            params,
        )


def _tally_order(item: tuple) -> tuple:
    return item[0][1:]  # the tally's unique key: all but the jurisdiction


def _store(request_id: int, states: Iterable[Counted]) -> None:
    FigureState.objects.bulk_create(
        [FigureState(request_id=request_id, **asdict(state)) for state in states]
    )


def count_new_request(request: ServiceRequest, area_ids: list[int]) -> None:
    """Count a request `submit_request` has just written in these areas, inside its
    transaction."""
    states = _as_counted(request, area_ids)
    if states:
        _bump([(state, +1) for state in states])
        _store(request.pk, states)


def count_request(request_id: int) -> None:
    """Bring the figures in line with the request's current state (idempotent)."""
    count_requests([request_id])


RECOUNT_CHUNK = 50  # requests recounted together, in five statements


@transaction.atomic
def count_requests(request_ids: Iterable[int]) -> None:
    """`count_request` of each request, in five statements per RECOUNT_CHUNK requests."""
    ids = sorted(set(request_ids))
    for start in range(0, len(ids), RECOUNT_CHUNK):
        _count_chunk(ids[start : start + RECOUNT_CHUNK])


def _count_chunk(ids: list[int]) -> None:
    requests = ServiceRequest.objects.select_related("service_type").in_bulk(ids)
    stored: dict[int, dict[Counted, int]] = {}
    for row in FigureState.objects.select_for_update().filter(request_id__in=ids):
        state = Counted(**{f: getattr(row, f) for f in Counted.__dataclass_fields__})
        stored.setdefault(row.request_id, {})[state] = row.pk
    areas: dict[int, list[int]] = {}
    for request_id, area_id in RequestArea.objects.filter(
        request_id__in=list(requests)
    ).values_list("request_id", "area_id"):
        areas.setdefault(request_id, []).append(area_id)
    changes: list[tuple[Counted, int]] = []
    gone_rows: list[int] = []
    new_rows: list[FigureState] = []
    for request_id in ids:
        before = stored.get(request_id, {})
        after = _as_counted(requests.get(request_id), areas.get(request_id, ()))
        gone = set(before) - after
        new = after - set(before)
        changes += [(state, -1) for state in gone] + [(state, +1) for state in new]
        gone_rows += [before[state] for state in gone]
        new_rows += [FigureState(request_id=request_id, **asdict(state)) for state in new]
    if not changes:
        return
    _bump(changes)
    if gone_rows:
        FigureState.objects.filter(pk__in=gone_rows).delete()
    if new_rows:
        FigureState.objects.bulk_create(new_rows)


def _epoch(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def _days_to_fix(row: str) -> str:
    """Whole days from `requested_at` to `closed_at` of a request `row` (never below 0)."""
    seconds = f"({_epoch(f'{row}.closed_at')} - {_epoch(f'{row}.requested_at')})"
    return f"(CASE WHEN {seconds} < 0 THEN 0 ELSE {seconds} END) / {DAY}"


def _state_columns() -> str:
    """The SQL of `_outcome` over a row `v` of public requests with its `fix_days`."""
    fixed = f"v.status = '{Status.CLOSED}' AND v.close_reason = '{CloseReason.FIXED}'"
    coarse = " ".join(f"WHEN v.fix_days >= {edge} THEN {edge}" for edge in reversed(BUCKETS[30:]))
    return (
        f"CASE WHEN v.status <> '{Status.CLOSED}' THEN '{Outcome.OPEN}' "
        f"WHEN v.close_reason = '{CloseReason.FIXED}' THEN '{Outcome.FIXED}' "
        f"ELSE '{Outcome.CLOSED}' END, "
        f"CASE WHEN {fixed} AND v.closed_at IS NOT NULL "
        f"THEN CASE {coarse} ELSE v.fix_days END ELSE {NO_BUCKET} END, "
        f"CASE WHEN {fixed} AND v.closed_at IS NOT NULL AND v.expected_at IS NOT NULL THEN "
        f"CASE WHEN v.closed_at <= v.expected_at THEN {int(Sla.MET)} ELSE {int(Sla.MISSED)} END "
        f"ELSE {int(Sla.NONE)} END"
    )


STATE_COLUMNS = (
    "request_id, jurisdiction_id, scope, scope_id, service_type_id, outcome, fix_bucket, sla"
)
REQUEST_COLUMNS = (
    "id",
    "jurisdiction_id",
    "service_type_id",
    "department_id",
    "status",
    "close_reason",
    "requested_at",
    "closed_at",
    "expected_at",
)


def _count_states(cursor, jurisdiction: Jurisdiction) -> None:
    """One state per public request and scope, computed by the database."""
    visible, params = (
        public_requests()
        .filter(jurisdiction=jurisdiction)
        .values_list(*REQUEST_COLUMNS)
        .query.sql_with_params()
    )
    rows = f"(SELECT r.*, {_days_to_fix('r')} AS fix_days FROM ({visible}) r)"
    counted = f"NOT (v.status = '{Status.CLOSED}' AND v.close_reason = '{CloseReason.DUPLICATE}')"
    state = _state_columns()
    table = FigureState._meta.db_table
    scopes = (
        (Scope.CITY, "v.jurisdiction_id", "", ""),
        (Scope.DEPARTMENT, "v.department_id", "", "AND v.department_id IS NOT NULL"),
        (
            Scope.AREA,
            "a.area_id",
            f"JOIN {RequestArea._meta.db_table} a ON a.request_id = v.id",
            "",
        ),
    )
    for scope, scope_id, join, condition in scopes:
        cursor.execute(
            f"INSERT INTO {table} ({STATE_COLUMNS}) "
            f"SELECT v.id, v.jurisdiction_id, '{scope}', {scope_id}, v.service_type_id, {state} "
            f"FROM {rows} v {join} WHERE {counted} {condition}",
            params,
        )


def _count_tallies(cursor, jurisdiction_id: int) -> None:
    cursor.execute(
        f"INSERT INTO {FigureTally._meta.db_table} ({TALLY_COLUMNS}, count) "
        f"SELECT {TALLY_COLUMNS}, COUNT(*) FROM {FigureState._meta.db_table} "
        f"WHERE jurisdiction_id = %s GROUP BY {TALLY_COLUMNS}",
        [jurisdiction_id],
    )


def _refresh_statistics(cursor, model) -> None:
    # As for the map counts: after a bulk import PostgreSQL plans on stale statistics.
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {model._meta.db_table}")


def rebuild_figures(jurisdiction: Jurisdiction) -> int:
    """Count a jurisdiction's figures again from its requests; returns requests counted.

    Bulk imports call this once at the end (in the worker) instead of counting request by
    request: every state and tally of the jurisdiction is deleted and computed again by the
    database, in one transaction.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        _refresh_statistics(cursor, ServiceRequest)
        FigureTally.objects.filter(jurisdiction=jurisdiction).delete()
        FigureState.objects.filter(jurisdiction=jurisdiction).delete()
        _count_states(cursor, jurisdiction)
        _refresh_statistics(cursor, FigureState)
        _count_tallies(cursor, jurisdiction.pk)
    return FigureState.objects.filter(jurisdiction=jurisdiction, scope=Scope.CITY).count()
