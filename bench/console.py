"""The call console's two hot reads, timed in one process on the loaded data set.

From issue 17: "on PostgreSQL with 1M requests: caller lookup p95 < 20 ms, the console's
nearby open requests p95 < 10 ms" (the address figures are the address index's own).

Same data set as the serving figures (`bench.dataset`). `prepare_and_time` adds callers:
CONTACTS contacts with phones stored the ways Fixboard has kept them (E.164 since the
console; before it, digits as typed: "3235551234", "13235551234"), a tenth of them the
reporter of a request. A caller look-up is `find_contacts` of a number typed the way people
say it ("(323) 555-0142"), parsed, every stored form asked for, the requests counted. The
nearby figure is the console's "is it one of these?": `nearby_open_requests` of a service
type around a point, at points jittered around real open requests (the console's radius).
Each is timed in the child with perf_counter around the call alone, so it is the database
and the selector, not HTTP.
"""

import random
import time
from collections.abc import Iterator

from .context import BenchError, Context
from .dataset import loaded, rows_for
from .registry import Measurement, Target, benchmark, task
from .serving import Errors, latency_figures

BENCHMARK = "console"
LOOKUP_TARGET = Target(20, "p95 < 20 ms", higher_is_better=False)
NEARBY_TARGET = Target(10, "p95 < 10 ms", higher_is_better=False)
CONTACTS = 200_000
CALLS = 2_000
SEED = 17


@benchmark(BENCHMARK, title="Call console: caller look-up, nearby open requests", order=65)
def run(ctx: Context) -> Iterator[Measurement]:
    for engine in ctx.engines:
        rows = rows_for(ctx, engine)
        try:
            with loaded(ctx, engine, rows) as data:
                timed = ctx.child(
                    prepare_and_time,
                    database_url=data.url,
                    contacts=min(CONTACTS, rows // 5),
                    calls=CALLS,
                    runs=ctx.options.repeat,
                )
        except BenchError as exc:
            ctx.failures[f"console on {engine.label}"] = str(exc)
            continue
        notes = [f"{rows:,} requests, {timed['contacts']:,} contacts, {timed['open']:,} open"]
        for subject, key, target in (
            ("caller look-up by phone", "lookup", LOOKUP_TARGET),
            ("nearby open requests of a type", "nearby", NEARBY_TARGET),
        ):
            yield from latency_figures(
                BENCHMARK, subject, engine, timed[key], Errors(), target=target, notes=notes
            )


def _phone(n: int) -> tuple[str, str]:
    """The n-th bench caller's number: as stored (one of the three ways) and as typed."""
    area = (213, 310, 323, 424, 562, 626, 747, 818)[n % 8]
    line = f"{area}{200 + n // 10_000 % 800:03d}{n % 10_000:04d}"
    stored = (f"+1{line}", line, f"1{line}")[n % 3]
    return stored, f"({line[:3]}) {line[3:6]}-{line[6:]}"


@task
def prepare_and_time(*, contacts: int, calls: int, runs: int) -> dict:
    """Add the callers, then time `calls` look-ups and nearby reads per run."""
    from django.db import connection

    from fixboard.console.selectors import NEARBY_METRES
    from fixboard.reports.contacts import find_contacts
    from fixboard.reports.models import Contact, ServiceRequest, Status
    from fixboard.reports.selectors import nearby_open_requests

    Contact.objects.bulk_create(
        (Contact(name=f"Caller {n}", phone=_phone(n)[0]) for n in range(contacts)),
        batch_size=10_000,
    )
    first = Contact.objects.order_by("id").values_list("id", flat=True).first()
    reported = list(ServiceRequest.objects.order_by("id").values_list("id", flat=True)[::50])
    ServiceRequest.objects.bulk_update(
        [ServiceRequest(pk=pk, reporter_id=first + i * 10) for i, pk in enumerate(reported)],
        ["reporter"],
        batch_size=2_000,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE reports_contact")
            cursor.execute("VACUUM ANALYZE reports_servicerequest")
    rng = random.Random(SEED)
    open_rows = list(
        ServiceRequest.objects.exclude(status=Status.CLOSED)
        .select_related("service_type")
        .order_by("id")[:50_000]
    )
    if not open_rows:
        raise RuntimeError("the data set has no open requests to look near")
    lookups, nearby = [], []
    for _ in range(runs):
        times = []
        for _call in range(calls):
            typed = _phone(rng.randrange(contacts))[1]
            started = time.perf_counter()
            found = find_contacts(typed)
            times.append((time.perf_counter() - started) * 1000)
            if len(found) != 1:
                raise RuntimeError(f"{typed} found {len(found)} contacts")
        lookups.append(times)
        times = []
        for _call in range(calls):
            row = rng.choice(open_rows)
            lat, long = row.lat + rng.gauss(0, 0.0005), row.long + rng.gauss(0, 0.0005)
            started = time.perf_counter()
            nearby_open_requests(row.service_type, lat, long, NEARBY_METRES, limit=5)
            times.append((time.perf_counter() - started) * 1000)
        nearby.append(times)
    connection.close()
    return {"contacts": contacts, "open": len(open_rows), "lookup": lookups, "nearby": nearby}
