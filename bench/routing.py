"""Point → areas: `area_index().locate_many` on real LA request points, and its raw limit.

Points are drawn from the real LA 2017 and 2020 request coordinates (with replacement) and
moved by a few tens of metres, against the real 15 council districts and 99 neighbourhood
councils. The raw limit is shapely's prepared-polygon `contains_xy` of the same points
against the same polygons with nothing else: each polygon's candidate points (those in
its bounding box) are picked before the clock starts, so only the point-in-polygon tests
are timed. The index is in memory, so one engine (SQLite) is enough.
"""

import csv
import time
from collections.abc import Iterator

import numpy as np

from .context import SHARED_DATA, Context
from .registry import Measurement, Ratio, Target, benchmark, derived, find, task

BENCHMARK = "routing"
LA_FILES = [
    (SHARED_DATA / "311" / "la" / "MyLA311_Service_Request_Data_2017_Subset.csv", "Latitude"),
    (SHARED_DATA / "311" / "la" / "la311_2020-01_requests.csv", "latitude"),
]
JITTER_DEGREES = 0.0005
SINGLE_POINT_CALLS = 2000
SEED = 311


@benchmark(BENCHMARK, title="Point → areas", order=20)
def run(ctx: Context) -> Iterator[Measurement]:
    engine = ctx.engines[0]  # the index is in memory: any database will do
    for size in ctx.options.sizes:
        with engine.fresh() as url:
            result = ctx.child(
                route_points, database_url=url, points=size, repeat=ctx.options.repeat
            )
        details = {"points": size, "areas": result["areas"], "pairs": result["pairs"]}
        yield from [
            Measurement(
                benchmark=BENCHMARK,
                subject=f"locate_many, {size:,} LA points",
                unit="points/s",
                samples=result["locate_many"],
                target=Target(1_000_000, "≥ 1,000,000 points/s"),
                details={**details, "index_build_ms": result["index_build_ms"]},
            ),
            Measurement(
                benchmark=BENCHMARK,
                subject=f"raw contains_xy, {size:,} LA points",
                unit="points/s",
                samples=result["raw"],
                details=details,
                notes=[
                    f"{result['pairs']:,} point-in-polygon tests per run, "
                    f"{result['pairs'] * min(result['raw']) / size:,.0f} tests/s or more"
                ],
            ),
        ]
    yield Measurement(
        benchmark=BENCHMARK,
        subject="locate, one point",
        unit="µs",
        samples=result["single"],
        latency=True,
        details={"calls": SINGLE_POINT_CALLS},
    )


@derived
def ratios(measurements: list[Measurement]) -> list[Ratio]:
    found = []
    for measurement in measurements:
        if measurement.benchmark == BENCHMARK and measurement.subject.startswith("locate_many"):
            raw = find(
                measurements,
                BENCHMARK,
                measurement.subject.replace("locate_many", "raw contains_xy"),
            )
            if raw:
                found.append(
                    Ratio(
                        measurement.subject, "locate_many / raw contains_xy", "", measurement, raw
                    )
                )
    return found


def _real_points() -> tuple[np.ndarray, np.ndarray]:
    lats, longs = [], []
    for path, lat_column in LA_FILES:
        long_column = lat_column.replace("Latitude", "Longitude").replace("latitude", "longitude")
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                lat, long = row[lat_column], row[long_column]
                if lat and long and float(lat) != 0 and float(long) != 0:
                    lats.append(float(lat))
                    longs.append(float(long))
    return np.array(lats), np.array(longs)


def sample_points(count: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` real LA request points, drawn with replacement and jittered."""
    lats, longs = _real_points()
    rng = np.random.default_rng(SEED)
    picks = rng.integers(0, len(lats), count)
    jitter = rng.normal(0.0, JITTER_DEGREES, (2, count))
    return lats[picks] + jitter[0], longs[picks] + jitter[1]


def _prepared_polygons(jurisdiction_id: int) -> list:
    import shapely
    from shapely import wkb

    from fixboard.places.models import Area

    polygons = [
        wkb.loads(bytes(geometry))
        for geometry in Area.objects.filter(jurisdiction_id=jurisdiction_id, active=True)
        .order_by("id")
        .values_list("geometry_wkb", flat=True)
    ]
    shapely.prepare(polygons)
    return polygons


def _raw_runs(polygons: list, lats, longs, repeat: int) -> tuple[list[float], int]:
    import shapely

    candidates = []
    for polygon in polygons:
        x0, y0, x1, y1 = polygon.bounds
        inside = np.flatnonzero((longs >= x0) & (longs <= x1) & (lats >= y0) & (lats <= y1))
        candidates.append((polygon, longs[inside], lats[inside]))
    rates = []
    for _ in range(repeat):
        started = time.perf_counter()
        for polygon, xs, ys in candidates:
            shapely.contains_xy(polygon, xs, ys)
        rates.append(len(lats) / (time.perf_counter() - started))
    return rates, sum(len(xs) for _, xs, _ in candidates)


def _single_point_latencies(index, lats, longs, jurisdiction_id) -> list[float]:
    latencies = []
    for lat, long in zip(
        lats[:SINGLE_POINT_CALLS].tolist(), longs[:SINGLE_POINT_CALLS].tolist(), strict=True
    ):
        started = time.perf_counter()
        index.locate(lat, long, jurisdiction_id)
        latencies.append((time.perf_counter() - started) * 1e6)
    return latencies


@task
def route_points(*, points: int, repeat: int) -> dict:
    """Rates (points/s) of locate_many and of the raw contains_xy over the same points."""
    from fixboard.places.models import Jurisdiction
    from fixboard.places.spatial import area_index, invalidate_area_index

    jurisdiction_id = Jurisdiction.objects.get(slug="los-angeles").pk
    lats, longs = sample_points(points)
    invalidate_area_index()
    started = time.perf_counter()
    index = area_index()
    build_ms = (time.perf_counter() - started) * 1000
    index.locate_many(lats[:10_000], longs[:10_000], jurisdiction_id)  # warm-up
    rates = []
    for _ in range(repeat):
        started = time.perf_counter()
        index.locate_many(lats, longs, jurisdiction_id)
        rates.append(points / (time.perf_counter() - started))
    polygons = _prepared_polygons(jurisdiction_id)
    raw, pairs = _raw_runs(polygons, lats, longs, repeat)
    return {
        "locate_many": rates,
        "raw": raw,
        "pairs": pairs,
        "areas": len(polygons),
        "index_build_ms": build_ms,
        "single": _single_point_latencies(index, lats, longs, jurisdiction_id),
    }
