"""A loaded database for the serving benchmarks: the bench cities plus N imported requests.

`loaded(ctx, engine, rows)` gives a fresh copy of a database holding the cities of
`bench.cities` and `rows` requests of the resampled LA 2020 file (`bench.synthetic`),
imported through the real importer with the shipped `la-2020` mapping, the map counts and
public figures rebuilt the way the worker does after an import, API keys issued for posting,
and on PostgreSQL VACUUM ANALYZE run. That database is built once per engine and size in a run
and kept as a second template (a PostgreSQL template database, an SQLite file), so the
Open311 and web benchmarks start from the same state without importing twice.
"""

import atexit
import random
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from tqdm import tqdm

from .context import ROOT, Context
from .registry import task
from .synthetic import resampled_la_2020

JURISDICTION = "los-angeles"
MAPPING = ROOT / "fixboard" / "reports" / "mappings" / "la-2020.toml"
API_CLIENTS = 4
SAMPLED_IDS = 2_000
SAMPLED_POINTS = 500
# An API client's limit is counted per process with the default (local memory) cache; the
# bench measures the server, not the limiter, so it must never answer 429.
RATE_LIMIT = 1_000_000_000
# SQLite is measured at a tenth of `make bench`'s million rows (the issues' sizes).
SQLITE_ROWS = 100_000


@dataclass(frozen=True)
class Dataset:
    """A fresh copy of the loaded database and what the benchmarks need to know about it."""

    url: str
    rows: int
    facts: dict


def rows_for(ctx: Context, engine) -> int:
    """Requests to load: the run's largest size, at most SQLITE_ROWS on SQLite."""
    rows = max(ctx.options.sizes)
    return min(rows, SQLITE_ROWS) if engine.name == "sqlite" else rows


_TEMPLATES: dict[tuple[str, int], tuple[str, dict]] = {}


@contextmanager
def loaded(ctx: Context, engine, rows: int) -> Iterator[Dataset]:
    """A fresh copy of the database with `rows` imported requests; dropped afterwards."""
    key = (engine.name, rows)
    if key not in _TEMPLATES:
        _TEMPLATES[key] = _build(ctx, engine, rows)
    template, facts = _TEMPLATES[key]
    with _copy(engine, template) as url:
        yield Dataset(url=url, rows=rows, facts=facts)


def _build(ctx: Context, engine, rows: int) -> tuple[str, dict]:
    path = resampled_la_2020(rows, ctx.options.work_dir / "data")
    tqdm.write(f"Loading {rows:,} requests into {engine.label} for the serving benchmarks…")
    if engine.name == "sqlite":
        template = engine.directory / f"loaded-{rows}.sqlite3"
        shutil.copyfile(engine.template, template)
        url = f"sqlite:///{template}"
    else:
        template = f"{engine.database}_loaded_{rows}"
        _recreate(engine, template, source=engine.database)
        atexit.register(_drop, engine, template)
        url = engine.url(template)
    facts = ctx.child(load, database_url=url, path=str(path), mapping=str(MAPPING))
    return str(template), facts


@contextmanager
def _copy(engine, template: str) -> Iterator[str]:
    if engine.name == "sqlite":
        copy = Path(template).with_name(f"{Path(template).stem}-copy.sqlite3")
        shutil.copyfile(template, copy)
        try:
            yield f"sqlite:///{copy}"
        finally:
            for path in copy.parent.glob(f"{copy.name}*"):
                path.unlink()
        return
    copy = f"{template}_copy"
    _recreate(engine, copy, source=template)
    try:
        yield engine.url(copy)
    finally:
        _drop(engine, copy)


def _admin(engine):
    return psycopg.connect(engine.url("postgres"), autocommit=True, connect_timeout=5)


def _recreate(engine, name: str, *, source: str) -> None:
    with _admin(engine) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(source)
            )
        )


def _drop(engine, name: str) -> None:
    try:
        with _admin(engine) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    except psycopg.OperationalError:
        pass  # the server went away: nothing left to clean


@task
def load(*, path: str, mapping: str) -> dict:
    """Import the file into Los Angeles, recount the map, issue keys; return sampled facts."""
    from django.db import connection
    from django.db.models import Count, Max, Min

    from fixboard.accounts.apikeys import issue_api_key
    from fixboard.insights.tasks import rebuild_jurisdiction_figures
    from fixboard.maps.tasks import rebuild_jurisdiction_map
    from fixboard.places.models import Area, Jurisdiction
    from fixboard.reports.importing import import_requests, load_mapping
    from fixboard.reports.models import RequestArea
    from fixboard.reports.selectors import public_requests

    place = Jurisdiction.objects.get(slug=JURISDICTION)
    result = import_requests(path=Path(path), jurisdiction=place, mapping=load_mapping(mapping))
    rebuild_jurisdiction_map.call(place.pk)
    rebuild_jurisdiction_figures.call(place.pk)
    keys = [
        issue_api_key(
            name=f"Bench client {n}",
            jurisdiction_slugs=[JURISDICTION],
            rate_limit_per_minute=RATE_LIMIT,
        )[1]
        for n in range(API_CLIENTS)
    ]
    requests = public_requests().filter(jurisdiction=place)
    # The busiest service types: the filtered list and the posts use real, well-used ones.
    services = list(
        requests.values("service_type__code")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("service_type__code", flat=True)[:5]
    )
    rng = random.Random(2020)
    count = requests.count()
    ids, points = [], []
    if count:
        pks = requests.aggregate(low=Min("pk"), high=Max("pk"))
        picked = [rng.randint(pks["low"], pks["high"]) for _ in range(SAMPLED_IDS)]
        found = requests.filter(pk__in=picked).values_list(
            "pk", "public_id", "lat", "long", "service_type__code"
        )
        # Points to post at must be inside the city: the file has a few just outside it.
        routed = set(
            RequestArea.objects.filter(request_id__in=picked).values_list("request_id", flat=True)
        )
        for pk, public_id, lat, long, code in found:
            ids.append(public_id)
            if pk in routed:
                points.append([lat, long, code])
    areas = Area.objects.filter(jurisdiction=place).aggregate(
        south=Min("min_lat"), west=Min("min_long"), north=Max("max_lat"), east=Max("max_long")
    )
    newest = requests.aggregate(newest=Max("requested_at"))["newest"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum would have done by the time anyone reads a day-old import.
            cursor.execute("VACUUM ANALYZE")
        else:
            # The template is copied as one file: fold the write-ahead log into it first.
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    return {
        "jurisdiction": JURISDICTION,
        "imported": result.created,
        "public_requests": count,
        "api_keys": keys,
        "services": services,
        "ids": ids,
        "points": points[:SAMPLED_POINTS],
        "bounds": areas,
        "newest": newest.isoformat() if newest else None,
    }
