"""A quick measure of the work queue page (standalone; not yet part of `python -m bench`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_queue python -m bench.queue_quick

Seeds, once, one city whose streets department has 50,000 open requests (and 200,000
closed ones, and 20,000 open ones of another department), then times the queue page
through Django's test client for a staff member of streets: every sort, every filter, a
far page, the htmx partial and the live count. Prints p50 and p95 in milliseconds.
"""

import os
import random
import statistics
import sys
import time
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixboard.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from fixboard.accounts.models import User  # noqa: E402
from fixboard.places.models import Jurisdiction  # noqa: E402
from fixboard.reports.models import Channel, RequestArea, ServiceRequest, Status  # noqa: E402

OPEN, CLOSED, OTHER = 50_000, 200_000, 20_000
SLUG = "queue-bench"
RUNS = 25


def seed():
    from tests.factories import UserFactory, make_city

    city = make_city(SLUG)
    staff = UserFactory(
        username="queue-staff",
        role=User.Role.STAFF,
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )
    colleagues = [
        UserFactory(
            role=User.Role.STAFF, jurisdictions=[city.jurisdiction], departments=[city.streets]
        )
        for _ in range(5)
    ]
    now = timezone.now()
    rng = random.Random(16)
    channels = Channel.values
    batch = []

    def flush():
        ServiceRequest.objects.bulk_create(batch, batch_size=5000)
        batch.clear()

    n = 0
    for kind, count in (("open", OPEN), ("closed", CLOSED), ("other", OTHER)):
        for _ in range(count):
            n += 1
            service = city.pothole if rng.random() < 0.7 else city.bulky
            requested = now - timedelta(minutes=rng.randint(1, 180 * 24 * 60))
            closed = kind == "closed"
            batch.append(
                ServiceRequest(
                    public_id=f"QB-{n:07d}",
                    jurisdiction=city.jurisdiction,
                    service_type=service,
                    department=city.parks if kind == "other" else city.streets,
                    status=Status.CLOSED
                    if closed
                    else rng.choice([Status.NEW, Status.ACKNOWLEDGED, Status.IN_PROGRESS]),
                    close_reason="fixed" if closed else "",
                    lat=34.05,
                    long=-118.25 if rng.random() < 0.5 else -118.15,
                    requested_at=requested,
                    updated_at=requested,
                    closed_at=requested + timedelta(days=2) if closed else None,
                    expected_at=requested + timedelta(hours=72)
                    if service == city.pothole
                    else None,
                    support_count=int(rng.expovariate(0.5)),
                    channel=rng.choice(channels),
                    assignee=rng.choice(colleagues + [None] * 15),
                    priority=rng.choice([0] * 20 + [1, 2, -1]),
                )
            )
            if len(batch) >= 5000:
                flush()
    flush()
    west, east = city.west, city.east
    ids = ServiceRequest.objects.filter(jurisdiction=city.jurisdiction).values_list("pk", "long")
    RequestArea.objects.bulk_create(
        (RequestArea(request_id=pk, area=west if long < -118.2 else east) for pk, long in ids),
        batch_size=10000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return staff


def main():
    from django.conf import settings

    # Static files unbuilt: plain URLs, as the tests have them.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)
    if not Jurisdiction.objects.filter(slug=SLUG).exists():
        started = time.perf_counter()
        seed()
        print(f"seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    staff = User.objects.get(username="queue-staff")
    city = Jurisdiction.objects.get(slug=SLUG)
    west = city.areas.order_by("code").first()
    client = Client()
    client.force_login(staff)
    colleague = User.objects.filter(departments__jurisdiction=city).exclude(pk=staff.pk).first()
    cases = {
        "default (open, priority)": {},
        "sort newest": {"sort": "newest"},
        "sort oldest": {"sort": "oldest"},
        "sort due soonest": {"sort": "due"},
        "sort most supported": {"sort": "supported"},
        "status acknowledged": {"status": "acknowledged"},
        "service type": {"service": city.service_types.get(code="bulky-items").pk},
        "area": {"area": west.pk},
        "assignee me": {"assignee": "me"},
        "unassigned": {"assignee": "none"},
        "a colleague, newest": {"assignee": colleague.pk, "sort": "newest"},
        "SLA overdue": {"sla": "overdue"},
        "SLA due soon, due soonest": {"sla": "due_soon", "sort": "due"},
        "no SLA": {"sla": "none"},
        "channel phone": {"channel": "phone"},
        "made today": {"age": "today"},
        "older than 30 days, oldest": {"age": "month", "sort": "oldest"},
        "page 100": {"page": 100},
        "page 100, newest": {"page": 100, "sort": "newest"},
        "area + overdue + unassigned": {"area": west.pk, "sla": "overdue", "assignee": "none"},
        "closed, newest": {"status": "closed", "sort": "newest"},
    }
    print(f"{'case':38} {'p50 ms':>8} {'p95 ms':>8}  rows")
    for name, params in cases.items():
        times = []
        for i in range(RUNS + 2):
            started = time.perf_counter()
            response = client.get("/queue/", params)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            if i >= 2:
                times.append(elapsed)
        rows = response.content.decode().count('class="queue-link"')
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"{name:38} {statistics.median(times):8.1f} {p95:8.1f}  {rows}")
    for name, url, headers in [
        ("htmx partial (default)", "/queue/", {"HX-Request": "true"}),
        ("live count (default)", "/queue/count/", {}),
    ]:
        times = []
        for i in range(RUNS + 2):
            started = time.perf_counter()
            client.get(url, headers=headers)
            if i >= 2:
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[int(len(times) * 0.95) - 1]
        print(f"{name:38} {statistics.median(times):8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
