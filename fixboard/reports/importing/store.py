"""Bulk writes of imported requests, events and request areas, one strategy per database.

The ORM builds a model instance per row, which caps an import near a few thousand rows a
second; here rows go to the database as tuples: COPY on PostgreSQL (psycopg 3), one
`executemany` per table on SQLite. New requests get their ids before they are written
(from the sequence on PostgreSQL; after the current maximum, under the write lock, on
SQLite) so their events and areas can be written in the same batch without reading back.
Callers hold a transaction around each batch.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

import numpy as np
import orjson
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import NOT_PROVIDED
from psycopg.types.json import Jsonb

from fixboard.core.columns import column_types

from ..models import Event, RequestArea, ServiceRequest
from .indexes import table_rows
from .lock import IMPORT_LOCK

# A request's values from its source row, in three runs: between them go the values the
# writer decides (ids, service type, department, expected_at). The placer lays each row
# out so (see `placing.Placed`), and the writer only joins the runs with its own values.
SOURCE_HEAD = (
    "status",
    "close_reason",
    "status_notes",
    "description",
    "lat",
    "long",
    "address",
    "address_id",
    "zipcode",
)
SOURCE_MIDDLE = ("channel", "requested_at", "updated_at")
SOURCE_END = ("closed_at", "media_url")
REQUEST_FIELDS = (
    "id",
    "public_id",
    "jurisdiction",
    "service_type",
    *SOURCE_HEAD,
    "department",
    *SOURCE_MIDDLE,
    "expected_at",
    *SOURCE_END,
    "source_id",
)
# What a re-import refreshes from the source; the rest (public id, hidden, assignee,
# supporters…) belongs to Fixboard.
UPDATE_FIELDS = (
    "id",
    "service_type",
    *SOURCE_HEAD,
    "department",
    *SOURCE_MIDDLE,
    "expected_at",
    *SOURCE_END,
)
EVENT_FIELDS = (
    "request",
    "kind",
    "public",
    "from_status",
    "to_status",
    "close_reason",
    "text",
    "data",
    "actor_system",
    "external_id",
    "created_at",
)
AREA_FIELDS = ("request", "area")
# What an import writes, by model (bulk mode keeps the partial indexes on other fields).
WRITTEN_FIELDS = {
    ServiceRequest: {*REQUEST_FIELDS, *UPDATE_FIELDS},
    Event: set(EVENT_FIELDS),
    RequestArea: set(AREA_FIELDS),
}
# New requests below which PostgreSQL's statistics are not refreshed mid-import: one, so a
# table analyzed empty is analyzed before the look-up that follows its first batch, however
# small. A first batch of 983 rows (1,000 less those skipped) was taken for one row, and
# each of the next batch's 1,675 source ids was compared with every one of them (0.27 s, a
# quarter of the import).
STATISTICS_MIN_ROWS = 1
LOOKUP_CHUNK = 100_000


def _columns(model, fields: Sequence[str]) -> list[str]:
    return [model._meta.get_field(f).column for f in fields]


def _left_out(model, fields: Sequence[str]) -> tuple[list[str], tuple, list[str]]:
    """The columns an import must set beyond `fields`, with the model's default values.

    A column the database fills by itself (a `db_default`, or NULL for a nullable one
    whose default is None) is left out: each column in a COPY costs the writer and the
    server a value per row. Any other is set to its default, so a field added to the model
    later gets it here too rather than a NOT NULL error in the middle of a city's import.
    """
    named = {model._meta.get_field(f).column for f in fields}
    columns, values, types = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.column in named:
            continue
        if field.db_default is not NOT_PROVIDED:
            continue
        default = field.get_default()
        if default is None and field.null:
            continue
        if default is None:
            raise ImproperlyConfigured(
                f"The import cannot fill {model.__name__}.{field.name}: give it a default."
            )
        columns.append(field.column)
        values.append(field.get_db_prep_save(default, connection))
        types.append(field.db_type(connection))
    return columns, tuple(values), types


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(connection.ops.quote_name(n) for n in names)


class Store:
    """The operations an import needs; subclasses write the way their database is fastest."""

    requests = ServiceRequest._meta.db_table
    events = Event._meta.db_table
    areas = RequestArea._meta.db_table
    chunk = LOOKUP_CHUNK
    batches_per_transaction = 1

    def __init__(self):
        self.update_columns = _columns(ServiceRequest, UPDATE_FIELDS)
        # Each table's columns: those the import sets, then the others at their defaults.
        self.columns, self.defaults, self.default_types = {}, {}, {}
        for model, fields in (
            (ServiceRequest, REQUEST_FIELDS),
            (Event, EVENT_FIELDS),
            (RequestArea, AREA_FIELDS),
        ):
            table = model._meta.db_table
            rest, self.defaults[table], self.default_types[table] = _left_out(model, fields)
            self.columns[table] = _columns(model, fields) + rest
        q = connection.ops.quote_name
        self.source_id_column = q(ServiceRequest._meta.get_field("source_id").column)
        self.jurisdiction_column = q(ServiceRequest._meta.get_field("jurisdiction").column)
        self.public_id_column = q(ServiceRequest._meta.get_field("public_id").column)
        if self.defaults[self.areas]:
            # insert_areas writes the pairs as they are, in bulk.
            raise ImproperlyConfigured(
                "The import writes request areas as (request, area) pairs: give "
                f"{', '.join(self.columns[self.areas][2:])} of RequestArea a db_default."
            )

    def datetime(self, value: datetime | None):
        return value

    def begin_batch(self, jurisdiction_id: int) -> None:
        """Called first inside each batch's transaction."""

    def _in(self, column: str, values: list) -> tuple[str, list]:
        # One JSON parameter, encoded in C, instead of a placeholder per value.
        return f"{column} IN (SELECT value FROM json_each(%s))", [orjson.dumps(values).decode()]

    def has_source_ids(self, jurisdiction_id: int) -> bool:
        """Whether any of the jurisdiction's requests came from an import (one probe)."""
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT 1 FROM {q(self.requests)} WHERE {self.jurisdiction_column} = %s "
                f"AND NOT ({self.source_id_column} = '') LIMIT 1",
                [jurisdiction_id],
            )
            return cursor.fetchone() is not None

    def existing(self, jurisdiction_id: int, source_ids: list[str]) -> dict[str, tuple]:
        """{source id: (request id, status)} for those already imported in the jurisdiction."""
        found = {}
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            for start in range(0, len(source_ids), self.chunk):
                where, params = self._in(
                    self.source_id_column, source_ids[start : start + self.chunk]
                )
                # NOT (source_id = '') repeats the partial unique index's condition so the
                # planner (SQLite's in particular) uses that index.
                cursor.execute(
                    f"SELECT {self.source_id_column}, {q('id')}, {q('status')} "
                    f"FROM {q(self.requests)} WHERE {self.jurisdiction_column} = %s "
                    f"AND NOT ({self.source_id_column} = '') "
                    f"AND {where}",
                    [jurisdiction_id, *params],
                )
                found.update((s, (pk, status)) for s, pk, status in cursor.fetchall())
        return found

    def taken_public_ids(self, candidates: list[str]) -> set[str]:
        taken = set()
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            for start in range(0, len(candidates), self.chunk):
                where, params = self._in(
                    self.public_id_column, candidates[start : start + self.chunk]
                )
                cursor.execute(
                    f"SELECT {self.public_id_column} FROM {q(self.requests)} WHERE {where}",
                    params,
                )
                taken.update(r[0] for r in cursor.fetchall())
        return taken

    def insert_requests(self, rows: list[tuple]) -> None:
        self._insert(self.requests, rows)

    def insert_events(self, rows: list[tuple]) -> None:
        self._insert(self.events, rows)

    def insert_imported_events(self, request_ids: list[int], kinds: dict[str, str]) -> None:
        """The timeline of requests just written, made by the database from their rows.

        Each gets `kinds["imported"]` at its reporting time (to its status, or to `new`
        when the source closed it), and a closed one `kinds["closed"]` at its closing time.
        Building these in SQL spares the import a tuple and a COPY row per event.
        """
        q = connection.ops.quote_name
        r = {f: q(ServiceRequest._meta.get_field(f).column) for f in REQUEST_FIELDS}
        rest = self.defaults[self.events]
        tail = "".join(f", {self.typed_param(t)}" for t in self.default_types[self.events])
        where, where_params = self._created(request_ids)
        source = f"FROM {q(self.requests)} WHERE {where}"
        imported = (
            f"SELECT {r['id']}, %s, %s, %s, "
            f"CASE WHEN {r['closed_at']} IS NULL THEN {r['status']} ELSE %s END, %s, %s, "
            f"{self.json_object(r['channel'], r['source_id'])}, %s, %s, {r['requested_at']}"
            f"{tail} {source}"
        )
        closed = (
            f"SELECT {r['id']}, %s, %s, %s, {r['status']}, {r['close_reason']}, %s, %s, %s, "
            f"%s, {r['closed_at']}{tail} {source} AND {r['closed_at']} IS NOT NULL"
        )
        empty_data = Event._meta.get_field("data").get_db_prep_save({}, connection)
        params = [
            *(kinds["imported"], True, "", kinds["new"], "", "", kinds["actor"], ""),
            *rest,
            *where_params,
            *(kinds["closed"], True, kinds["new"], "", empty_data, kinds["actor"], ""),
            *rest,
            *where_params,
        ]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {q(self.events)} ({_quoted(self.columns[self.events])}) "
                f"{imported} UNION ALL {closed}",
                params,
            )

    def delete_areas(self, request_ids: list[int]) -> None:
        q = connection.ops.quote_name
        column = q(RequestArea._meta.get_field("request").column)
        with connection.cursor() as cursor:
            for start in range(0, len(request_ids), self.chunk):
                where, params = self._in(column, request_ids[start : start + self.chunk])
                cursor.execute(f"DELETE FROM {q(self.areas)} WHERE {where}", params)


class SqliteStore(Store):
    # The default 2 MB page cache makes every index insert (public ids are random) a
    # read from the OS; 64 MB keeps the hot index pages of a few million rows in process
    # while leaving the import well inside its memory budget (the OS caches the rest).
    CACHE_KIB = 65536
    # Each commit writes every index page the transaction touched to the WAL; with random
    # keys (public ids, points) that is nearly the whole index once the table is large, so
    # committing every 5,000 rows would cost O(rows²). Ten batches per commit hold the
    # write lock for a few seconds at most.
    batches_per_transaction = 10

    def __init__(self):
        super().__init__()
        self._days: dict[int, str] = {}
        self._clocks: dict[int, str] = {}
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{self.CACHE_KIB}")

    def datetime(self, value: datetime | None):
        # Django keeps aware datetimes on SQLite as naive UTC text; imported ones are in UTC,
        # so the text of their date and time of day is the conversion. Each is remembered
        # apart (a city's history has a few thousand days, a day 86,400 seconds):
        # isoformat, through C's printf, cost 3 µs a date-time, most of placing a row.
        if value is None:
            return None
        day = self._days.get(value.toordinal())
        if day is None:
            day = self._days[value.toordinal()] = value.date().isoformat()
        second = 3600 * value.hour + 60 * value.minute + value.second
        clock = self._clocks.get(second)
        if clock is None:
            clock = self._clocks[second] = "%02d:%02d:%02d" % (  # noqa: UP031 - the fastest
                value.hour,
                value.minute,
                value.second,
            )
        if value.microsecond:
            return f"{day} {clock}.{value.microsecond:06d}"
        return f"{day} {clock}"

    def typed_param(self, db_type: str) -> str:
        return "%s"

    def json_object(self, channel: str, source_id: str) -> str:
        return f"json_object('channel', {channel}, 'source_id', {source_id})"

    def _created(self, request_ids: list[int]) -> tuple[str, list]:
        # allocate_ids hands out a contiguous range under the write lock.
        return "id BETWEEN %s AND %s", [request_ids[0], request_ids[-1]]

    def allocate_ids(self, count: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(self.requests)}")
            highest = cursor.fetchone()[0] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.requests])
            row = cursor.fetchone()
        start = max(highest, row[0] if row else 0) + 1
        return list(range(start, start + count))

    def _insert(self, table: str, rows: list[tuple]) -> None:
        if not rows:
            return
        columns, rest = self.columns[table], self.defaults[table]
        marks = ", ".join(["%s"] * len(columns))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {connection.ops.quote_name(table)} ({_quoted(columns)}) "
                f"VALUES ({marks})",
                [row + rest for row in rows] if rest else rows,
            )

    def insert_areas(self, request_ids: np.ndarray, area_ids: np.ndarray) -> None:
        """One request area per (request id, area id) pair of the two integer arrays.

        The pairs go as one JSON array, encoded from the arrays in C, that SQLite reads
        itself: `executemany` spent 2.3 µs of this process's time on a pair (binding and
        stepping from Python); this, 1.4 µs.
        """
        if not len(request_ids):
            return
        table = self.areas
        pairs = orjson.dumps(
            np.column_stack((request_ids, area_ids)), option=orjson.OPT_SERIALIZE_NUMPY
        ).decode()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {connection.ops.quote_name(table)} ({_quoted(self.columns[table])}) "
                "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') "
                "FROM json_each(%s)",
                [pairs],
            )

    def update_requests(self, rows: list[tuple]) -> None:
        if not rows:
            return
        sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in self.update_columns[1:])
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {connection.ops.quote_name(self.requests)} SET {sets} WHERE id = %s",
                [(*row[1:], row[0]) for row in rows],
            )


class PostgresStore(Store):
    UPDATES = "fixboard_import_updates"

    def begin_batch(self, jurisdiction_id: int) -> None:
        # An import is idempotent: if the server crashes, the last batches are re-run, so
        # it need not wait for each commit to reach the disk. Two imports into one
        # jurisdiction take turns per batch, so both cannot find a source id missing and
        # insert it twice. (SQLite's write lock does the same.)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('synchronous_commit', 'off', true), "
                "pg_advisory_xact_lock(%s, %s)",
                [IMPORT_LOCK, jurisdiction_id],
            )

    def insert_requests(self, rows: list[tuple]) -> None:
        super().insert_requests(rows)
        self.unanalyzed += len(rows)

    def existing(self, jurisdiction_id: int, source_ids: list[str]) -> dict[str, tuple]:
        if self.unanalyzed >= max(self.analyzed, STATISTICS_MIN_ROWS):
            self._analyze_requests()
        return super().existing(jurisdiction_id, source_ids)

    def _analyze_requests(self) -> None:
        """Fresh planner statistics for the requests table, which this import doubled.

        Taken before a look-up of source ids, the only query they are for: an import that
        looks none up (a city's first) needs none.

        With the table's size from before the import, the planner takes the look-up of a
        batch's source ids for one in a few rows: it hashes every request of the
        jurisdiction for each batch (O(rows²) over a city's history), or compares every
        request with every id sought, instead of probing the unique index. Refreshed each
        time the table doubles, and only for the columns that look-up filters on (a few
        milliseconds; autovacuum, or the rebuild after a bulk import, does the rest).
        """
        with connection.cursor() as cursor:
            cursor.execute(
                f"ANALYZE {connection.ops.quote_name(self.requests)} "
                f"({self.jurisdiction_column}, {self.source_id_column})"
            )
        self.analyzed += self.unanalyzed
        self.unanalyzed = 0

    def _in(self, column: str, values: list) -> tuple[str, list]:
        # One JSON parameter, encoded in C: psycopg adapts a list element by element.
        cast = "::bigint" if values and isinstance(values[0], int) else ""
        return (
            f"{column} IN (SELECT jsonb_array_elements_text(%s::jsonb){cast})",
            [orjson.dumps(values).decode()],
        )

    def typed_param(self, db_type: str) -> str:
        # In a SELECT list a bare parameter would be text, and NULL text fits no bigint.
        return f"%s::{db_type}"

    def json_object(self, channel: str, source_id: str) -> str:
        return f"jsonb_build_object('channel', {channel}, 'source_id', {source_id})"

    def _created(self, request_ids: list[int]) -> tuple[str, list]:
        # Sequence values need not be contiguous: another session may take some between.
        # They usually are, and then a range scan of the primary key replaces a probe per id.
        low, high = min(request_ids), max(request_ids)
        if high - low == len(request_ids) - 1:
            return "id BETWEEN %s AND %s", [low, high]
        return self._in("id", request_ids)

    def allocate_ids(self, count: int) -> list[int]:
        # The sequence by its oid, a constant: named by pg_get_serial_sequence in the query,
        # it was looked up again for every id (10 ms of 11 for 5,000). One array, not a row
        # per id, comes back.
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT array_agg(nextval({self.id_sequence}::regclass)) "
                "FROM generate_series(1, %s)",
                [count],
            )
            return cursor.fetchone()[0]

    def __init__(self):
        super().__init__()
        # Requests in the table when its statistics were taken, and written since.
        self.analyzed, self.unanalyzed = table_rows(), 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, 'id')::regclass::oid", [self.requests]
            )
            self.id_sequence = int(cursor.fetchone()[0])
        # psycopg would run json.dumps on a Jsonb default for every row; its text is fixed.
        self.defaults = {
            table: tuple(
                orjson.dumps(v.obj).decode() if isinstance(v, Jsonb) else v for v in values
            )
            for table, values in self.defaults.items()
        }
        # Requests go in binary. Events stay text: their JSON column's values are text.
        table = self.requests
        self.binary = {table: column_types(table, self.columns[table])}
        self.update_types = column_types(table, self.update_columns)

    def _insert(self, table: str, rows: list[tuple]) -> None:
        binary = self.binary.get(table)
        self._copy(table, self.columns[table], rows, self.defaults[table], binary=binary)

    def insert_areas(self, request_ids: np.ndarray, area_ids: np.ndarray) -> None:
        """One request area per (request id, area id) pair of the two integer arrays.

        COPY inserts rows into the table a page at a time, where INSERT … SELECT inserts
        them one by one (1.2 µs of the server's time a pair more), and the rows, in COPY's
        binary format, are laid out from the arrays by numpy: no Python object per pair.
        """
        if not len(request_ids):
            return
        rows = np.empty(len(request_ids), dtype=_PAIR)
        rows["fields"], rows["request_size"], rows["area_size"] = 2, 8, 8
        rows["request"], rows["area"] = request_ids, area_ids
        table = self.areas
        with (
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {connection.ops.quote_name(table)} ({_quoted(self.columns[table])}) "
                "FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.write(_BINARY_HEADER + rows.tobytes() + _BINARY_TRAILER)

    def _copy(
        self,
        table: str,
        columns: list[str],
        rows: list[tuple],
        rest: tuple = (),
        *,
        binary: list[int] | None = None,
    ) -> None:
        """COPY the rows in; in binary when given the columns' types (`binary`).

        Binary spares psycopg formatting each value as text, and the server parsing it
        back: a third of the writer's time for a request's row.
        """
        if not rows:
            return
        sql = f"COPY {connection.ops.quote_name(table)} ({_quoted(columns)}) FROM STDIN"
        if binary:
            sql += " (FORMAT BINARY)"
        # Django's error types, as for a statement (a unique index refusing a row).
        with (
            connection.wrap_database_errors,
            connection.cursor() as cursor,
            cursor.cursor.copy(sql) as copy,
        ):
            if binary:
                copy.set_types(binary)
            for row in rows:
                copy.write_row(row + rest if rest else row)

    def update_requests(self, rows: list[tuple]) -> None:
        """COPY the new values into a temporary table, then one UPDATE … FROM it."""
        if not rows:
            return
        q = connection.ops.quote_name
        columns = _quoted(self.update_columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.UPDATES} ON COMMIT DELETE ROWS "
                f"AS SELECT {columns} FROM {q(self.requests)} WITH NO DATA"
            )
            cursor.execute(f"TRUNCATE {self.UPDATES}")
        self._copy(self.UPDATES, self.update_columns, rows, binary=self.update_types)
        sets = ", ".join(f"{q(c)} = u.{q(c)}" for c in self.update_columns[1:])
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {q(self.requests)} AS r SET {sets} FROM {self.UPDATES} AS u "
                f"WHERE r.id = u.id"
            )


# COPY's binary format (PostgreSQL's documentation, "COPY", "Binary Format"): a signature,
# flags and header extension length (both 0), then each row as its field count and each
# field as its length and value, all big-endian; -1 for a field count ends the data.
_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_BINARY_TRAILER = b"\xff\xff"
_PAIR = np.dtype(
    [("fields", ">i2"), ("request_size", ">i4"), ("request", ">i8"), ("area_size", ">i4"),
     ("area", ">i8")]
)  # fmt: skip


def store_for_connection() -> Store:
    """The write strategy for the default database."""
    if connection.vendor == "postgresql":
        return PostgresStore()
    if connection.vendor == "sqlite":
        return SqliteStore()
    raise NotImplementedError(f"Bulk import does not support {connection.vendor} yet.")
