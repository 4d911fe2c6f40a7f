"""The public site served by gunicorn: map data, the duplicate check, the report page and
the request list.

From issue 4: "`make bench` adds: map data for the whole city at 1M requests on PostgreSQL
(any zoom) p95 < 150 ms (a plain GROUP BY over the whole table already takes ≈ 170 ms on
PostgreSQL and ≈ 650 ms on SQLite here, so zoomed-out views need maintained aggregates);
nearby-duplicates lookup end to end p95 < 10 ms (the raw indexed query takes ≈ 0.4 ms);
report page p95 < 100 ms. The report page's own JavaScript and CSS (without Leaflet) stay
under 50 KB compressed."

Same data set and server as the Open311 figures (`bench.dataset`, `bench.serving`). The
map's data (`/<city>/map.json`, what the map page fetches on every move) is asked for the
bounding box of all of Los Angeles' areas at zooms 9 to 11 (the zooms at which a screen
shows the whole city), also filtered by the busiest service and open status, then for
the viewport of a 1280×800 screen around a random request at zoom 14 (a neighbourhood)
and zoom 17 (a street: points). The duplicate check is the report form's fragment
(`/<city>/report/nearby/`) and the API's `/api/v1/requests/nearby`, at the point and
service of a random request. The report page is a plain GET of the empty form; the
request list is the city's list with its default filters (the newest first). Latency
is sequential requests on one connection; the p95 targets are held against each run's
p95. The size is that of every script and style sheet the report page references, but
Leaflet's, compressed with gzip at level 9 (as WhiteNoise serves them).
"""

import gzip
import math
import re
from collections.abc import Iterator
from urllib.parse import urlencode

from . import serving
from .context import BenchError, Context
from .registry import Measurement, Target, benchmark
from .serving import Call, get, latency_figures

BENCHMARK = "web"
SIZE = "web-size"
MAP_TARGET = Target(150, "p95 < 150 ms, whole city (at 1M rows)", higher_is_better=False)
NEARBY_TARGET = Target(10, "p95 < 10 ms end to end", higher_is_better=False)
PAGE_TARGET = Target(100, "p95 < 100 ms", higher_is_better=False)
SIZE_TARGET = Target(50, "< 50 KB compressed (without Leaflet)", higher_is_better=False)
SCREEN = (1280, 800)  # pixels of the viewport the zoomed-in map views assume
REFERENCES = re.compile(r'<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+\.(?:js|css))"')
LEAFLET = "/vendor/leaflet"  # Leaflet and its marker-cluster plugin, left out of the size


@benchmark(BENCHMARK, title="Web", order=50)
def run(ctx: Context) -> Iterator[Measurement]:
    yield from serving.on_each_engine(ctx, "web", _measure)


def _viewport(lat: float, long: float, zoom: int) -> dict:
    """The bounding box a SCREEN-sized map shows around the point at that zoom."""
    degrees_per_pixel = 360 / 256 / 2**zoom
    half_width = SCREEN[0] / 2 * degrees_per_pixel
    half_height = SCREEN[1] / 2 * degrees_per_pixel * math.cos(math.radians(lat))
    return {
        "south": lat - half_height,
        "west": long - half_width,
        "north": lat + half_height,
        "east": long + half_width,
    }


def _is_map(body: bytes) -> bool:
    return body.startswith(b'{"mode":')


def _map(facts: dict, zoom: int, **filters) -> serving.Calls:
    city = facts["jurisdiction"]
    query = urlencode({**facts["bounds"], "zoom": zoom, **filters})
    return get(f"/{city}/map.json?{query}", check=_is_map)


def _map_around(facts: dict, zoom: int) -> serving.Calls:
    points = serving.shuffled(facts["points"], seed=5)
    city = facts["jurisdiction"]

    def call(n: int) -> Call:
        lat, long, _code = points[n % len(points)]
        query = urlencode({**_viewport(lat, long, zoom), "zoom": zoom})
        return Call("GET", f"/{city}/map.json?{query}", check=_is_map)

    return call


def _nearby(facts: dict, api: bool) -> serving.Calls:
    points = serving.shuffled(facts["points"], seed=6)
    city = facts["jurisdiction"]

    def call(n: int) -> Call:
        lat, long, code = points[n % len(points)]
        if api:
            query = urlencode({"service_code": code, "lat": lat, "long": long})
            return Call("GET", f"/api/v1/requests/nearby?{query}", check=_has_items)
        query = urlencode({"service": code, "lat": lat, "long": long})
        return Call("GET", f"/{city}/report/nearby/?{query}")

    return call


def _has_items(body: bytes) -> bool:
    return body.startswith(b'{"items":')


def _is_page(body: bytes) -> bool:
    return b"<form" in body


def _measure(ctx, engine, data, server) -> Iterator[Measurement]:
    facts = data.facts
    if not (facts["points"] and facts["services"]):
        raise BenchError(f"the loaded data set has no public request to look at: {facts}")
    busiest = facts["services"][0]
    label = f"{engine.label}, {data.rows:,} rows"
    figures = [
        *[(f"map data, whole city, zoom {z}", _map(facts, z), MAP_TARGET) for z in (9, 10, 11)],
        (
            "map data, whole city, zoom 10, one service, open",
            _map(facts, 10, service=busiest, status="open"),
            MAP_TARGET,
        ),
        ("map data, neighbourhood (zoom 14)", _map_around(facts, 14), None),
        ("map data, street (zoom 17, points)", _map_around(facts, 17), None),
        ("nearby duplicates, report form fragment", _nearby(facts, api=False), NEARBY_TARGET),
        ("nearby duplicates, API", _nearby(facts, api=True), NEARBY_TARGET),
        ("report page", get(f"/{facts['jurisdiction']}/report/", check=_is_page), PAGE_TARGET),
        ("request list", get(f"/{facts['jurisdiction']}/list/", check=_is_page), PAGE_TARGET),
    ]
    for subject, calls, target in figures:
        runs, errors = server.latency(ctx, f"{subject}, {label}", calls)
        notes = [f"{data.rows:,} rows"]
        yield from latency_figures(
            BENCHMARK, subject, engine, runs, errors, target=target, notes=notes
        )
    if engine is ctx.engines[0]:  # the same files whatever the database
        yield _assets(server, f"/{facts['jurisdiction']}/report/")


def _fetch(server, path: str) -> bytes:
    client = serving.Client(server.port)
    status, body = client.send(Call("GET", path))
    client.close()
    if status != 200:
        raise BenchError(f"GET {path} answered {status} (log {server.log})")
    return body


def _assets(server, page: str) -> Measurement:
    """The report page's own scripts and style sheets, gzipped, in KB."""
    html = _fetch(server, page).decode("utf-8")
    paths = [p for p in dict.fromkeys(REFERENCES.findall(html)) if LEAFLET not in p]
    if not paths:
        raise BenchError(f"the report page {page} references no script or style sheet")
    sizes = {p: len(gzip.compress(_fetch(server, p), compresslevel=9)) for p in paths}
    listing = ", ".join(f"{p.rsplit('/', 1)[-1]} {n / 1024:.1f}" for p, n in sizes.items())
    return Measurement(
        benchmark=SIZE,
        subject="report page's scripts and styles, gzip",
        unit="KB",
        samples=[sum(sizes.values()) / 1024],
        target=SIZE_TARGET,
        notes=[f"KB each: {listing}"],
    )
