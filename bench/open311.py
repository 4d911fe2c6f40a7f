"""Open311 GeoReport v2 served by gunicorn: lists, one request, posts, against a bare view.

From issue 3: "`make bench` adds, on PostgreSQL with the 1M-row data set and on SQLite with
100k rows: GET `requests.json` (default window, filtered by service and status, page of
1,000) p50/p95, GET one request, POST a request; each also as a ratio to a bare Django
JSON view measured in the same run. [...] Targets: p95 < 50 ms for a 1,000-row page and
< 10 ms for one request at 1M rows; one-request throughput ≥ 50% of the bare view's; POST
≥ 250 requests/s with two gunicorn workers on PostgreSQL."

Each engine gets a fresh copy of the loaded database of `bench.dataset` (LA 2020 resampled
through the real importer; 1,000,000 rows on PostgreSQL and 100,000 on SQLite, 100,000 on
both with --quick) and its own gunicorn (`bench.serving`: two sync workers, DEBUG off).
The data set's dates are in 2020, so "the default window" is the 90 days up to its newest
request, given as `start_date`/`end_date` (what the default is on the day after the data
ends); without `page`/`page_size` that answers the newest 1,000. The filtered list adds
the busiest `service_code` and `status=open`; the page is `page=3&page_size=1000`. One
request is a random public id per call; posts vary the client, service, point and
description, so no duplicate check short-circuits them, and each must answer a
`service_request_id`. Latency: sequential requests on one connection (p50 and p95; the
p95 targets are held against each run's p95). Throughput: 8 client threads for 10 s.

From issue 18: "`make bench` adds, PostgreSQL, 2 workers: services and service definitions
≥ 50% of the bare view's requests/s, a filtered page of ≤ 20 rows ≥ 25%." Services and the
definition of the busiest service are asked for as a client starting up would; the small
page is the filtered list with `page_size=20`. Each is a share of the bare view's run of
the same number.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urlencode

import orjson

from . import serving
from .context import BenchError, Context
from .registry import Measurement, Ratio, Target, benchmark, derived, find
from .serving import Call, get, latency_figures
from .site import BARE_PATH

BENCHMARK = "open311"
THROUGHPUT = "open311-throughput"
PAGE_TARGET = Target(50, "p95 < 50 ms for a 1,000-row page (at 1M rows)", higher_is_better=False)
ONE_TARGET = Target(10, "p95 < 10 ms for one request (at 1M rows)", higher_is_better=False)
SHARE_TARGET = Target(50, "one-request throughput ≥ 50% of the bare view's")
POST_TARGET = Target(250, "POST ≥ 250 requests/s with two gunicorn workers on PostgreSQL")
CONFIGURATION_TARGET = Target(50, "services and service definitions ≥ 50% of the bare view's")
SMALL_TARGET = Target(25, "a filtered page of ≤ 20 rows ≥ 25% of the bare view's")
API = "/open311/v2"
BARE = "bare Django JSON view"
WINDOW = "requests.json, 90-day window, newest 1,000"
FILTERED = "requests.json, window, one service, status=open"
PAGE = "requests.json, window, page 3 of 1,000"
ONE = "one request by id"
POST = "POST requests.json"
SHARE = "one request / bare view"
SERVICES = "services.json"
DEFINITION = "service definition (services/<code>.json)"
SMALL = "requests.json, window, one service, status=open, page of 20"
# Throughputs held against the bare view's: (subject, share subject, target).
SHARES = (
    (ONE, SHARE, SHARE_TARGET),
    (SERVICES, "services / bare view", CONFIGURATION_TARGET),
    (DEFINITION, "service definition / bare view", CONFIGURATION_TARGET),
    (SMALL, "page of ≤ 20 / bare view", SMALL_TARGET),
)


@benchmark(BENCHMARK, title="Open311", order=40)
def run(ctx: Context) -> Iterator[Measurement]:
    yield from serving.on_each_engine(ctx, "open311", _measure)


def _list(facts: dict, **extra) -> str:
    newest = datetime.fromisoformat(facts["newest"])
    window = {
        "jurisdiction_id": facts["jurisdiction"],
        "start_date": (newest - timedelta(days=90)).isoformat(),
        "end_date": newest.isoformat(),
    }
    return f"{API}/requests.json?{urlencode({**window, **extra})}"


def _is_list(body: bytes) -> bool:
    return body.startswith(b"[")


def _one(facts: dict):
    ids = serving.shuffled(facts["ids"], seed=3)
    query = urlencode({"jurisdiction_id": facts["jurisdiction"]})
    return lambda n: Call("GET", f"{API}/requests/{ids[n % len(ids)]}.json?{query}", check=_has_id)


def _has_id(body: bytes) -> bool:
    return b'"service_request_id"' in body


def _post(facts: dict):
    points = serving.shuffled(facts["points"], seed=4)
    keys, services = facts["api_keys"], facts["services"]

    def call(n: int) -> Call:
        lat, long, _code = points[n % len(points)]
        # Worded differently each time: each post is a new report, never a duplicate.
        form = {
            "api_key": keys[n % len(keys)],
            "jurisdiction_id": facts["jurisdiction"],
            "service_code": services[n % len(services)],
            "lat": str(lat),
            "long": str(long),
            "description": f"Bench report {n}: still there after the weekend",
        }
        return Call(
            "POST",
            f"{API}/requests.json",
            body=urlencode(form).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            expect=(200, 201),
            check=_has_id,
        )

    return call


def _rows_answered(server, path: str) -> str:
    client = serving.Client(server.port)
    status, body = client.send(Call("GET", path))
    client.close()
    if status != 200:
        raise BenchError(f"GET {path} answered {status}: {body[:300]!r} (log {server.log})")
    return f"{len(orjson.loads(body)):,} requests in the answer"


def _measure(ctx, engine, data, server) -> Iterator[Measurement]:
    facts = data.facts
    if not (facts["ids"] and facts["points"] and facts["services"] and facts["newest"]):
        raise BenchError(f"the loaded data set has no public request to ask for: {facts}")
    label = f"{engine.label}, {data.rows:,} rows"
    small = _list(facts, service_code=facts["services"][0], status="open", page_size=20)
    configuration = _configuration(facts)
    lists = [
        (WINDOW, _list(facts), PAGE_TARGET),
        (FILTERED, _list(facts, service_code=facts["services"][0], status="open"), PAGE_TARGET),
        (PAGE, _list(facts, page=3, page_size=1000), PAGE_TARGET),
        (SMALL, small, None),
    ]
    latencies = [
        (BARE, get(BARE_PATH), None, []),
        *[(s, get(p, check=_is_list), t, [_rows_answered(server, p)]) for s, p, t in lists],
        (ONE, _one(facts), ONE_TARGET, []),
        (POST, _post(facts), None, []),
    ]
    for subject, calls, target, notes in latencies:
        runs, errors = server.latency(ctx, f"{subject}, {label}", calls)
        notes = [f"{data.rows:,} rows", *notes]
        yield from latency_figures(
            BENCHMARK, subject, engine, runs, errors, target=target, notes=notes
        )
    rates = {}
    throughputs = (
        (BARE, get(BARE_PATH)),
        (ONE, _one(facts)),
        (SERVICES, get(configuration[SERVICES], check=_is_list)),
        (DEFINITION, get(configuration[DEFINITION], check=_is_definition)),
        (SMALL, get(small, check=_is_list)),
        (POST, _post(facts)),
    )
    for subject, calls in throughputs:
        samples, errors = server.throughput(ctx, f"{subject} throughput, {label}", calls)
        rates[subject] = samples
        yield Measurement(
            benchmark=THROUGHPUT,
            subject=subject,
            engine=engine.name,
            unit="requests/s",
            samples=samples,
            target=POST_TARGET if subject == POST and engine.name == "postgresql" else None,
            notes=[
                f"{serving.THROUGHPUT_CLIENTS} clients for {server.seconds:g} s a run",
                *errors.notes(),
            ],
        )
    for subject, share, target in SHARES:
        yield Measurement(
            benchmark=THROUGHPUT,
            subject=share,
            engine=engine.name,
            unit="%",
            samples=_shares(rates[subject], rates[BARE]),
            target=target,
            notes=[f"each run's {subject} rate over the bare view's run of the same number"],
        )


def _configuration(facts: dict) -> dict[str, str]:
    """The answers made of configuration alone, as a client starting up asks for them."""
    query = urlencode({"jurisdiction_id": facts["jurisdiction"]})
    code = facts["services"][0]
    return {
        SERVICES: f"{API}/services.json?{query}",
        DEFINITION: f"{API}/services/{code}.json?{query}",
    }


def _is_definition(body: bytes) -> bool:
    return b'"attributes"' in body


def _shares(ones: list[float], bares: list[float]) -> list[float]:
    # --max-seconds may cut one series shorter than the other: pair what both have.
    pairs = zip(ones, bares, strict=False)
    return [100 * one / bare for one, bare in pairs if bare] or [0.0]


@derived
def ratios(measurements: list[Measurement]) -> list[Ratio]:
    found = []
    for m in measurements:
        if m.benchmark not in (BENCHMARK, THROUGHPUT) or m.subject == BARE or m.unit == "%":
            continue
        bare = find(measurements, m.benchmark, BARE, m.engine)
        if bare:
            what = "latency" if m.benchmark == BENCHMARK else "throughput"
            found.append(Ratio(m.subject, f"Open311 {what} / bare view", m.engine, m, bare))
    return found
