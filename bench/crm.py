"""The bridge to a city's CRM (issue 19): 10,000 queued sends drained by two task workers
into a local stand-in CRM, and one poll bringing back 10,000 updates.

The stand-in (`tests/bridge/standin.py`, an Open311 server on loopback, pages of 50) runs
in the orchestrating process; the requests, the outbox and the workers (`fixboard
run-worker`, two processes) are on a fresh database. Sends per second are counted from the
first send recorded to the last; duplicates are CRM records carrying an id already seen.
The poll is `bridge.tasks.poll_endpoint`, timed around the call, reading every page.
"""

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator

from . import serving
from .context import ROOT, BenchError, Context
from .registry import Measurement, benchmark, task

BENCHMARK = "crm"
SENDS = 10_000
SMOKE_SENDS = 50  # a smoke run (a few hundred rows) only checks that it all works
WORKERS = 2
DRAIN_TIMEOUT = 1800


@benchmark(
    BENCHMARK, title="City CRM bridge: sends drained by two workers, updates polled", order=90
)
def run(ctx: Context) -> Iterator[Measurement]:
    sys.path.insert(0, str(ROOT))
    from tests.bridge.standin import Crm, Running

    engines = [e for e in ctx.engines if e.name == "postgresql"] or ctx.engines[:1]
    for engine in engines:
        crm = Running(Crm())
        try:
            with engine.fresh() as url:
                yield from _measure(ctx, engine, url, crm)
        except BenchError as exc:
            ctx.failures[f"crm on {engine.label}"] = str(exc)
        finally:
            crm.stop()


def _measure(ctx: Context, engine, url: str, crm) -> Iterator[Measurement]:
    # The 10,000, or fewer in a smaller run, a few in the suite's smoke run.
    size = max(ctx.options.sizes)
    sends = min(SENDS, size) if size >= serving.SMOKE_ROWS else min(SMOKE_SENDS, size)
    ctx.child(queue_sends, database_url=url, count=sends, crm_url=crm.url)
    workers = _start_workers(ctx, url)
    try:
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while len(crm.crm.requests) < sends and time.monotonic() < deadline:
            if any(w.poll() is not None for w in workers):
                raise BenchError("a worker exited early; see its log in the bench logs")
            time.sleep(0.5)
        result = ctx.child(sent_report, database_url=url)
        while result["sent"] < sends and time.monotonic() < deadline:
            time.sleep(2)
            result = ctx.child(sent_report, database_url=url)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=60)
    ids = Counter(r["attributes"].get("fixboard_id") for r in crm.crm.requests.values())
    duplicates = sum(n - 1 for n in ids.values())
    notes = [
        f"{result['sent']:,} of {sends:,} sent by {WORKERS} workers in {result['span']:.1f} s; "
        f"{duplicates} duplicates in the CRM, {result['retried']} sends retried"
    ]
    yield Measurement(
        benchmark=BENCHMARK,
        subject=f"{sends:,} queued sends, two workers",
        unit="sends/s",
        samples=[result["sent"] / max(result["span"], 1e-6)],
        engine=engine.name,
        notes=notes,
        details={"duplicates": duplicates, **result},
    )
    for record in list(crm.crm.requests.values()):
        crm.crm.change_status(record["service_request_id"], "in_progress", "Crew scheduled")
    polled = ctx.child(poll_once, database_url=url)
    yield Measurement(
        benchmark=BENCHMARK,
        subject=f"poll of {len(crm.crm.updates):,} updates (pages of 50)",
        unit="updates/s",
        samples=[polled["applied"] / polled["seconds"]],
        engine=engine.name,
        notes=[f"{polled['applied']:,} applied in {polled['seconds']:.1f} s, {polled['error']}"],
    )


def _start_workers(ctx: Context, url: str) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "fixboard.settings",
        "FIXBOARD_VAR_DIR": str(ctx.tmp_dir / "var"),
        "LOG_LEVEL": "WARNING",
    }
    logs = ctx.options.work_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "fixboard", "run-worker", "--queue-name", "*"]
    command += ["--no-startup-delay", "--interval", "0.05"]
    workers = []
    for n in range(WORKERS):
        with (logs / f"crm-worker-{n}.log").open("w") as log:
            workers.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log))
    return workers


@task
def queue_sends(*, count: int, crm_url: str) -> dict:
    """`count` Los Angeles requests routed to the stand-in, each with its outbox row and
    its task queued (requests written in bulk: the submission path is measured elsewhere)."""
    from django.utils import timezone

    from fixboard.bridge.models import CrmSend
    from fixboard.bridge.tasks import send_request
    from fixboard.catalog.actions import (
        save_crm_endpoint,
        save_department,
        save_routing_rule,
        save_service_type,
    )
    from fixboard.places.models import Jurisdiction
    from fixboard.reports.models import ServiceRequest

    city = Jurisdiction.objects.get(slug="los-angeles")
    streets = save_department(
        actor="bench", data={"jurisdiction": city, "code": "streets", "name": "Streets"}
    )
    pothole = save_service_type(
        actor="bench",
        data={
            "jurisdiction": city,
            "code": "pothole",
            "name": "Pothole",
            "default_department": streets,
        },
    )
    endpoint = save_crm_endpoint(
        actor="bench",
        data={"jurisdiction": city, "name": "Stand-in", "base_url": crm_url, "poll": "updates"},
    )
    save_routing_rule(
        actor="bench",
        data={
            "jurisdiction": city,
            "order": 1,
            "service_type": pothole,
            "department": streets,
            "crm_endpoint": endpoint,
        },
    )
    now = timezone.now()
    requests = ServiceRequest.objects.bulk_create(
        ServiceRequest(
            public_id=f"BNCH{n:06d}",
            jurisdiction=city,
            service_type=pothole,
            department=streets,
            description=f"Pothole {n}",
            lat=34.05 + n * 1e-6,
            long=-118.25,
            requested_at=now,
            updated_at=now,
        )
        for n in range(count)
    )
    sends = CrmSend.objects.bulk_create(CrmSend(request=r, endpoint=endpoint) for r in requests)
    for send in sends:
        send_request.enqueue(send.pk)
    return {"queued": len(sends)}


@task
def sent_report() -> dict:
    from django.db.models import Max, Min

    from fixboard.bridge.models import CrmSend

    sent = CrmSend.objects.filter(state="sent")
    span = sent.aggregate(first=Min("sent_at"), last=Max("sent_at"))
    seconds = (span["last"] - span["first"]).total_seconds() if span["first"] else 0.0
    return {
        "sent": sent.count(),
        "span": seconds,
        "retried": CrmSend.objects.filter(attempts__gt=1).count(),
    }


@task
def poll_once() -> dict:
    from fixboard.bridge.models import CrmPoll
    from fixboard.bridge.tasks import poll_endpoint
    from fixboard.catalog.models import CrmEndpoint

    endpoint = CrmEndpoint.objects.get()
    started = time.perf_counter()
    applied = poll_endpoint.call(endpoint.pk)
    seconds = time.perf_counter() - started
    state = CrmPoll.objects.get(endpoint=endpoint)
    return {"applied": applied, "seconds": seconds, "error": state.last_error or "no error"}
