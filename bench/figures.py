"""The public figures on the resident pages, served by gunicorn.

From issue 18: "`make bench` adds the city page with figures at 1M requests: p95 < 100 ms."
The figures (opened, fixed, still open, median and 90th-percentile days to fix, share fixed
on time, per service type and department) are read from the tallies `fixboard.insights`
keeps; `bench.dataset` rebuilds them after its import, as the worker does.

Same data set and server as the Open311 and web figures (`bench.dataset`, `bench.serving`).
The city page (`/<city>/`, the map page, which carries the city's figures) is asked for
again and again; the area pages of the city's areas and the request pages of random
public requests (each with its service type's figures in its areas and city) in turn.
Latency is sequential requests on one connection; the target is held against each run's p95.
"""

from collections.abc import Iterator

from . import serving
from .context import BenchError, Context
from .registry import Measurement, Target, benchmark, task
from .serving import Call, get, latency_figures

BENCHMARK = "figures"
PAGE_TARGET = Target(100, "p95 < 100 ms (at 1M rows)", higher_is_better=False)
FIGURES = b'class="card figures"'


@benchmark(BENCHMARK, title="Public figures: city, area and request pages", order=55)
def run(ctx: Context) -> Iterator[Measurement]:
    yield from serving.on_each_engine(ctx, "figures", _measure)


@task
def area_paths(*, jurisdiction: str) -> dict:
    """The pages of the jurisdiction's active areas that hold public requests."""
    from fixboard.insights.models import FigureTally, Scope
    from fixboard.places.models import Area

    counted = FigureTally.objects.filter(scope=Scope.AREA, count__gt=0).values("scope_id")
    areas = Area.objects.filter(jurisdiction__slug=jurisdiction, active=True, pk__in=counted)
    return {
        "paths": [
            f"/{jurisdiction}/areas/{kind}/{code}/"
            for kind, code in areas.order_by("kind", "code").values_list("kind", "code")
        ]
    }


def _has_figures(body: bytes) -> bool:
    return FIGURES in body


def _has_request_figures(body: bytes) -> bool:
    return b'id="figures-heading"' in body


def _in_turn(paths: list[str], check) -> serving.Calls:
    ordered = serving.shuffled(paths, seed=18)
    return lambda n: Call("GET", ordered[n % len(ordered)], check=check)


def _measure(ctx, engine, data, server) -> Iterator[Measurement]:
    facts = data.facts
    city = facts["jurisdiction"]
    areas = ctx.child(area_paths, database_url=data.url, jurisdiction=city)["paths"]
    if not (areas and facts["ids"]):
        raise BenchError(f"the loaded data set has no counted area or request: {facts}")
    label = f"{engine.label}, {data.rows:,} rows"
    requests = [f"/requests/{public_id}/" for public_id in facts["ids"]]
    figures = [
        ("city page with figures", get(f"/{city}/", check=_has_figures), PAGE_TARGET),
        ("area page with figures", _in_turn(areas, _has_figures), PAGE_TARGET),
        ("request page with figures", _in_turn(requests, _has_request_figures), PAGE_TARGET),
    ]
    for subject, calls, target in figures:
        runs, errors = server.latency(ctx, f"{subject}, {label}", calls)
        notes = [f"{data.rows:,} rows", f"{len(areas)} areas"]
        yield from latency_figures(
            BENCHMARK, subject, engine, runs, errors, target=target, notes=notes
        )
