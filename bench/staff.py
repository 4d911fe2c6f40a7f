"""The city staff's pages served by gunicorn: the work queue, the work view, a bulk close.

From issue 16: "`make bench` adds, on PostgreSQL with 1M requests and 50,000 open in one
department: queue page p95 < 100 ms (any filter, any sort), work view p95 < 50 ms, a bulk
close of 500 requests < 5 s; and the same on SQLite at 100k."

Same data set and server as the Open311 and web figures (`bench.dataset`, `bench.serving`).
On each fresh copy, `prepare` makes a department of its 50,000 newest requests, all open
(new, acknowledged, in progress in turn), due from a week ago to two weeks ahead so that
every SLA state has rows, a tenth assigned to the department's staff member who signs in
(a session made the way Django's login makes one). The queue is then asked for with its
default (open, by explained priority), with each other sort, with each kind of filter and
for a later page; the work view for random requests of the department. A bulk close is one
POST of the queue's bulk form with 500 of the department's open requests, closed as fixed
with one public message: each request goes through the domain (`transition`, its timeline
event and notifications), timed from the POST to the answer listing 500 done.
"""

import random
import secrets
from collections.abc import Iterator
from urllib.parse import urlencode

from . import serving
from .context import BenchError, Context
from .registry import Measurement, Target, benchmark, task
from .serving import Call, Client, latency_figures

BENCHMARK = "staff"
BULK = "staff-bulk"
QUEUE_TARGET = Target(100, "p95 < 100 ms, any filter, any sort", higher_is_better=False)
VIEW_TARGET = Target(50, "p95 < 50 ms", higher_is_better=False)
BULK_TARGET = Target(5, "bulk close of 500 requests < 5 s", higher_is_better=False)
OPEN_REQUESTS = 50_000
BULK_SIZE = 500
SAMPLED_IDS = 2_000
DEPARTMENT = "bench-sanitation"
USERNAME = "bench-staff"


@benchmark(BENCHMARK, title="Staff: work queue, work view, bulk close", order=60)
def run(ctx: Context) -> Iterator[Measurement]:
    yield from serving.on_each_engine(ctx, "staff", _measure)


def _headers(staff: dict, **extra) -> dict[str, str]:
    cookie = f"sessionid={staff['session']}; csrftoken={staff['csrf']}"
    return {"Cookie": cookie, **extra}


def _is_queue(body: bytes) -> bool:
    return b'class="queue-table"' in body


def _queue(staff: dict, **params) -> serving.Calls:
    query = f"?{urlencode(params)}" if params else ""
    call = Call("GET", f"/queue/{query}", headers=_headers(staff), check=_is_queue)
    return lambda n: call


def _work_view(staff: dict) -> serving.Calls:
    ids = serving.shuffled(staff["ids"], seed=16)

    def call(n: int) -> Call:
        public_id = ids[n % len(ids)]
        marker = public_id.encode()
        return Call(
            "GET",
            f"/queue/requests/{public_id}/",
            headers=_headers(staff),
            check=lambda body: marker in body,
        )

    return call


def _queue_figures(staff: dict) -> list[tuple[str, serving.Calls]]:
    return [
        ("queue, open, by priority", _queue(staff)),
        *[(f"queue, sorted {s}", _queue(staff, sort=s)) for s in staff["sorts"]],
        ("queue, status new", _queue(staff, status="new")),
        ("queue, one service type", _queue(staff, service=staff["service"])),
        ("queue, one area", _queue(staff, area=staff["area"])),
        ("queue, assigned to me", _queue(staff, assignee="me")),
        ("queue, unassigned, oldest", _queue(staff, assignee="none", sort="oldest")),
        ("queue, overdue, due soonest", _queue(staff, sla="overdue", sort="due")),
        ("queue, due soon", _queue(staff, sla="due_soon")),
        ("queue, channel phone", _queue(staff, channel="phone")),
        ("queue, older than 30 days, most supported", _queue(staff, age="month", sort="supported")),
        ("queue, page 20", _queue(staff, page=20)),
    ]


def _measure(ctx, engine, data, server) -> Iterator[Measurement]:
    staff = ctx.child(
        prepare, database_url=data.url, open_requests=OPEN_REQUESTS, runs=ctx.options.repeat
    )
    notes = [f"{data.rows:,} rows, {staff['open']:,} open in one department"]
    for subject, calls in [*_queue_figures(staff), ("work view", _work_view(staff))]:
        target = VIEW_TARGET if subject == "work view" else QUEUE_TARGET
        runs, errors = server.latency(ctx, f"{subject}, {engine.label}", calls)
        yield from latency_figures(
            BENCHMARK, subject, engine, runs, errors, target=target, notes=notes
        )
    yield _bulk_close(ctx, engine, server, staff, notes)


def _bulk_close(ctx, engine, server, staff: dict, notes: list[str]) -> Measurement:
    batches = iter(staff["bulk_batches"])

    def once() -> float:
        ids = next(batches)
        body = urlencode(
            [("ids", i) for i in ids]
            + [
                ("action", "close"),
                ("close_reason", "fixed"),
                ("message", "Fixed by the crew this week."),
            ]
        ).encode()
        call = Call(
            "POST",
            "/queue/bulk/",
            body=body,
            headers=_headers(
                staff,
                **{
                    "X-CSRFToken": staff["csrf"],
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            ),
        )
        client = Client(server.port)
        started = serving.time.perf_counter()
        status, answer = client.send(call)
        took = serving.time.perf_counter() - started
        client.close()
        done = f"{len(ids)} of {len(ids)} done".encode()
        if status != 200 or done not in answer:
            text = answer[:300].decode("utf-8", "replace")
            raise BenchError(f"bulk close answered {status}: {text} (log {server.log})")
        return took

    size = staff["bulk_size"]
    seconds = ctx.repeat(f"bulk close of {size}, {engine.label}", once)
    return Measurement(
        benchmark=BULK,
        subject=f"bulk close of {size} requests, one POST",
        engine=engine.name,
        unit="s",
        samples=seconds,
        target=BULK_TARGET if size == BULK_SIZE else None,
        notes=notes,
    )


@task
def prepare(*, open_requests: int, runs: int) -> dict:
    """Make a department of the newest `open_requests` requests, all open, and a signed-in
    staff member of it; return their session and what the calls ask for."""
    from datetime import timedelta

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from fixboard.accounts.models import User
    from fixboard.catalog.models import Department
    from fixboard.places.models import Jurisdiction
    from fixboard.reports.models import RequestArea, ServiceRequest, Status
    from fixboard.work.filters import SORT_CHOICES

    from .dataset import JURISDICTION

    place = Jurisdiction.objects.get(slug=JURISDICTION)
    department = Department.objects.create(
        jurisdiction=place, code=DEPARTMENT, name="Bench Sanitation"
    )
    user = User.objects.create_user(username=USERNAME, role=User.Role.STAFF)
    user.jurisdictions.set([place])
    user.departments.set([department])
    newest = list(
        ServiceRequest.objects.filter(jurisdiction=place)
        .order_by("-requested_at")
        .values_list("pk", flat=True)[:open_requests]
    )
    now = timezone.now()
    statuses = (Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS)
    for start in range(0, len(newest), 5_000):
        chunk = newest[start : start + 5_000]
        for n, status in enumerate(statuses):
            ServiceRequest.objects.filter(pk__in=chunk[n::3]).update(
                department=department, status=status, close_reason="", closed_at=None
            )
        for days in range(-7, 15):
            ServiceRequest.objects.filter(pk__in=chunk[days + 7 :: 22]).update(
                expected_at=now + timedelta(days=days, hours=3)
            )
        ServiceRequest.objects.filter(pk__in=chunk[::10]).update(assignee=user)
    mine = ServiceRequest.objects.filter(department=department)
    service = (mine.values("service_type__code").annotate(n=Count("id")).order_by("-n")[0])[
        "service_type__code"
    ]
    area = (
        RequestArea.objects.filter(request__department=department)
        .values("area_id")
        .annotate(n=Count("id"))
        .order_by("-n")[0]
    )["area_id"]
    # The bulk closes take the department's oldest requests, the work view reads the others;
    # a small smoke run closes fewer at a time.
    bulk_size = min(BULK_SIZE, max(len(newest) // (3 * runs), 1))
    ordered = list(mine.order_by("pk").values_list("public_id", flat=True))
    bulk_ids, others = ordered[: bulk_size * runs], ordered[bulk_size * runs :]
    ids = random.Random(16).sample(others, min(SAMPLED_IDS, len(others)))
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")
    connection.close()
    return {
        "open": len(newest),
        "session": session.session_key,
        # An unmasked secret is a valid CSRF token for Django when sent as cookie and header.
        "csrf": secrets.token_hex(16),
        "sorts": [code for code, _label in SORT_CHOICES if code != "priority"],
        "service": service,
        "area": area,
        "ids": ids,
        "bulk_size": bulk_size,
        "bulk_batches": [bulk_ids[n : n + bulk_size] for n in range(0, len(bulk_ids), bulk_size)],
    }
