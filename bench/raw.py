"""The raw insert limit: the import's rows written with no validation, routing or events.

The rows of the synthetic file go, as ready-made tuples, into a new table of the same
shape as the requests table (same columns, indexes and constraints): COPY through
psycopg 3 on PostgreSQL, `executemany` on SQLite, one transaction per 50,000 rows. Only the
writes and the commits are timed; reading the CSV and building the tuples are not. What an import
does beyond this (parse, validate, route, events, areas) is the distance to this limit.
"""

import csv
import re
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime

from django.db import connection, transaction

from .context import Context
from .registry import Measurement, benchmark, task
from .synthetic import resampled_la_2020

TABLE = "bench_raw_requests"
CHUNK = 50_000
BENCHMARK = "raw-insert"


@benchmark(BENCHMARK, title="Raw insert limit", order=30)
def run(ctx: Context) -> Iterator[Measurement]:
    for size in ctx.options.sizes:
        path = resampled_la_2020(size, ctx.options.work_dir / "data")
        for engine in ctx.engines:
            with engine.fresh() as url:
                result = ctx.child(
                    insert_rows,
                    database_url=url,
                    path=str(path),
                    repeat=ctx.options.repeat,
                    max_seconds=ctx.options.max_seconds,
                )
            yield Measurement(
                benchmark=BENCHMARK,
                subject=subject(size),
                engine=engine.name,
                unit="rows/s",
                samples=result["rates"],
                details={"rows": result["rows"], "method": result["method"]},
            )


def subject(size: int) -> str:
    return f"LA 2020 resampled, {size:,} rows"


def _create_table() -> None:
    """A table like the requests table: same columns, indexes and constraints."""
    source = "reports_servicerequest"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE TABLE {TABLE} (LIKE {source} INCLUDING ALL)")
            return
        cursor.execute(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL "
            "ORDER BY type DESC",
            [source],
        )
        for kind, statement in cursor.fetchall():
            statement = statement.replace(f'"{source}"', f'"{TABLE}"', 1)
            if kind == "index":
                # Index names are global in SQLite: prefix ours.
                statement = re.sub(r'INDEX "([^"]+)"', rf'INDEX "{TABLE}_\1"', statement, count=1)
                statement = statement.replace(f'ON "{source}"', f'ON "{TABLE}"')
            cursor.execute(statement)


def _service_types(jurisdiction_id: int, names: set[str]) -> dict[str, int]:
    from django.utils.text import slugify

    from fixboard.catalog.models import ServiceType

    return {
        name: ServiceType.objects.get_or_create(
            jurisdiction_id=jurisdiction_id, code=slugify(name)[:100], defaults={"name": name}
        )[0].pk
        for name in names
    }


def _chunks(path: str, columns: list[str], jurisdiction_id: int, services: dict, sqlite: bool):
    """Lists of request tuples, in the order of `columns`."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        chunk = []
        for n, row in enumerate(reader, start=1):
            values = _values(n, row, jurisdiction_id, services, sqlite)
            chunk.append(tuple(values.get(column) for column in columns))
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk


def _when(value: str, sqlite: bool):
    if not value:
        return None
    parsed = datetime.strptime(value, "%m/%d/%y %H:%M")
    return parsed.isoformat(" ") if sqlite else parsed.replace(tzinfo=UTC)


def _columns() -> list[str]:
    from fixboard.reports.models import ServiceRequest

    return [f.column for f in ServiceRequest._meta.concrete_fields]


def _values(n: int, row: dict, jurisdiction_id: int, services: dict, sqlite: bool) -> dict:
    """The request's column values; the columns not named here are NULL."""
    # Random like real public ids ("7KQ2-M9XD"): ordered ones would flatter the unique index.
    token = secrets.token_hex(5).upper()
    public_id = f"{token[:4]}-{token[4:8]}{n}"
    closed = row["status"] == "Closed"
    return {
        "id": n,
        "public_id": public_id,
        "jurisdiction_id": jurisdiction_id,
        "service_type_id": services[row["requesttype"]],
        "status": "closed" if closed else "new",
        "close_reason": "fixed" if closed else "",
        "status_notes": "",
        "description": row["actiontaken"],
        "attributes": "{}",
        "lat": float(row["latitude"] or 0),
        "long": float(row["longitude"] or 0),
        "address": row["address"],
        "zipcode": row["zipcode"],
        "address_id": "",
        "priority": 0,
        "channel": "import",
        "reporter_name_public": False,
        "anonymous": row["anonymous"] == "Y",
        "awaiting_confirmation": False,
        "hidden": False,
        "requested_at": _when(row["createddate"], sqlite),
        "updated_at": _when(row["updateddate"], sqlite),
        "closed_at": _when(row["closeddate"], sqlite),
        "media_url": "",
        "source_id": row["srnumber"],
        "external_id": "",
        "support_count": 0,
        "follow_count": 0,
        "duplicate_count": 0,
        "has_photos": False,
        "pinpointed": True,
        "referred_to": "",
    }


def _write(chunk: list[tuple], statement: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for row in chunk:
                copy.write_row(row)
    else:
        connection.connection.executemany(statement, chunk)


def _statement(columns: list[str]) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    if connection.vendor == "postgresql":
        return f"COPY {TABLE} ({names}) FROM STDIN"
    return f"INSERT INTO {TABLE} ({names}) VALUES ({', '.join('?' * len(columns))})"


@task
def insert_rows(*, path: str, repeat: int, max_seconds: float) -> dict:
    """Insert the file's rows into a fresh table, `repeat` times at most; rows/s of each run.

    Like `Context.repeat`, it stops repeating once `max_seconds` are spent.
    """
    from fixboard.places.models import Jurisdiction

    columns = _columns()
    jurisdiction_id = Jurisdiction.objects.get(slug="los-angeles").pk
    with open(path, encoding="utf-8-sig", newline="") as handle:
        names = {row["requesttype"] for row in csv.DictReader(handle)}
    services = _service_types(jurisdiction_id, names)
    sqlite = connection.vendor == "sqlite"
    statement = _statement(columns)
    rates, rows = [], 0
    began = time.monotonic()
    for _ in range(repeat):
        if rates and (time.monotonic() - began) * (len(rates) + 1) / len(rates) > max_seconds:
            break
        _create_table()
        spent, rows = 0.0, 0
        for chunk in _chunks(path, columns, jurisdiction_id, services, sqlite):
            # One transaction per chunk, as the import commits batch by batch.
            started = time.perf_counter()
            with transaction.atomic():
                _write(chunk, statement)
            spent += time.perf_counter() - started
            rows += len(chunk)
        rates.append(rows / spent)
    method = "COPY (psycopg 3)" if not sqlite else "executemany (sqlite3)"
    return {"rates": rates, "rows": rows, "method": method}
