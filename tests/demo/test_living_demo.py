"""`fixboard demo` brings the demo city up to today: dates moved by whole local weeks,
what that puts after now not yet happened, and the staff account with work in hand."""

import csv
import io
import itertools
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.http import HttpRequest

from fixboard.accounts.models import User
from fixboard.demo import loader
from fixboard.demo.living import (
    bring_to_life,
    demo_jurisdiction,
    moved,
    segments,
    shift_dates,
    weeks_to_shift,
)
from fixboard.maps.aggregates import rebuild_map_aggregates
from fixboard.maps.models import MapCell
from fixboard.places.actions import create_jurisdiction
from fixboard.reports.importing import import_requests, load_mapping, shipped_mapping
from fixboard.reports.models import OPEN_STATUSES, Event, ServiceRequest, Status
from tests.factories import make_city, submit_pothole

pytestmark = pytest.mark.django_db

LA = zoneinfo.ZoneInfo("America/Los_Angeles")
HOUR = timedelta(hours=1)
DATES = ("requested_at", "updated_at", "acknowledged_at", "expected_at", "closed_at")
# How many of each file's rows the small demo imports.
ROWS = {"la-2017": 150, "la-2020": 450}


def small_demo(tmp_path, stride: int = 1):
    """The demo city as `fixboard demo` loads it (areas, catalog, accounts through the
    loader) with a few hundred requests of each of its files: the first ones, or every
    `stride`-th (spread over the month a file covers)."""
    result = loader.DemoResult(
        jurisdiction=create_jurisdiction(
            slug=loader.SLUG, name="Los Angeles", timezone="America/Los_Angeles"
        )
    )
    loader._load_areas(result)
    loader._load_catalog(result)
    loader._create_accounts(result.jurisdiction)
    for filename, mapping in loader.REQUEST_FILES:
        with open(loader.DATA / filename, encoding="utf-8", newline="") as source:
            reader = csv.reader(source)
            header = next(reader)
            picked = (row for n, row in enumerate(reader) if n % stride == 0)
            rows = [header, *itertools.islice(picked, ROWS[mapping])]
        subset = tmp_path / filename
        with open(subset, "w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows(rows)
        import_requests(
            path=subset,
            jurisdiction=result.jurisdiction,
            mapping=load_mapping(shipped_mapping(mapping)),
        )
    rebuild_map_aggregates(result.jurisdiction)  # what the worker does after an import
    return result.jurisdiction


@pytest.fixture
def demo_city(tmp_path, settings):
    # The demo accounts' passwords, hashed in a blink: this is not a test of hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return small_demo(tmp_path)


def local(moment: datetime) -> tuple:
    """Weekday and time of day on the city's clock."""
    at = moment.astimezone(LA)
    return at.weekday(), at.hour, at.minute, at.second


def snapshot(jurisdiction) -> dict:
    requests = {
        r["pk"]: r
        for r in ServiceRequest.objects.filter(jurisdiction=jurisdiction).values("pk", *DATES)
    }
    events = dict(
        Event.objects.filter(request__jurisdiction=jurisdiction).values_list("pk", "created_at")
    )
    return {"requests": requests, "events": events}


def map_cells(jurisdiction) -> set:
    return set(
        MapCell.objects.filter(jurisdiction=jurisdiction, count__gt=0).values_list(
            "level", "cell_x", "cell_y", "service_type_id", "is_open", "count"
        )
    )


def test_the_newest_request_lands_in_the_last_week_on_its_weekday_and_hour(demo_city):
    before = snapshot(demo_city)
    now = datetime(2026, 12, 9, 18, 30, tzinfo=UTC)  # a Wednesday, standard time
    result = shift_dates(demo_city, now=now)

    newest = ServiceRequest.objects.filter(jurisdiction=demo_city).latest("requested_at")
    assert now - timedelta(days=7) < newest.requested_at <= now
    assert result.weeks > 300 and result.newest_after == newest.requested_at
    # Every date moved by the same whole weeks of local time: same weekday, same clock.
    after = snapshot(demo_city)
    for pk, dates in after["requests"].items():
        old = before["requests"][pk]
        assert local(dates["requested_at"]) == local(old["requested_at"])
        assert dates["requested_at"] == moved(old["requested_at"], result.weeks, LA)
        assert dates["expected_at"] == moved(old["expected_at"], result.weeks, LA)
    for pk, created_at in after["events"].items():
        assert created_at == moved(before["events"][pk], result.weeks, LA)
        assert created_at <= now
    assert result.rows["service requests"] == len(before["requests"])
    assert result.rows["timeline events"] == len(before["events"])


def test_what_would_be_in_the_future_has_not_happened_yet(demo_city):
    now = datetime(2026, 12, 9, 18, 30, tzinfo=UTC)
    closed_before = dict(
        ServiceRequest.objects.filter(jurisdiction=demo_city).values_list("pk", "closed_at")
    )
    result = shift_dates(demo_city, now=now)
    assert result.not_yet > 0 and result.reopened > 0

    requests = ServiceRequest.objects.filter(jurisdiction=demo_city)
    for field in ("requested_at", "updated_at", "acknowledged_at", "closed_at"):
        assert not requests.filter(**{f"{field}__gt": now}).exists(), field
    assert not Event.objects.filter(request__jurisdiction=demo_city, created_at__gt=now).exists()
    # A request the city closed only later is open, as it was then, its timeline ending at
    # the report; one closed before now is still closed, with its close on the timeline.
    reopened = requests.filter(pk__in=[pk for pk, at in closed_before.items() if at]).filter(
        status=Status.NEW
    )
    assert reopened.count() == result.reopened
    for request in reopened[:20]:
        assert request.closed_at is None and request.close_reason == ""
        assert list(request.events.values_list("kind", flat=True)) == ["imported"]
        assert request.updated_at == request.requested_at
    for request in requests.filter(status=Status.CLOSED)[:20]:
        close = request.events.get(kind=Event.Kind.STATUS_CHANGED)
        assert close.to_status == Status.CLOSED and close.created_at == request.closed_at
    # Some SLAs are already broken, some still running: a queue with due soon and overdue.
    open_requests = requests.filter(status__in=OPEN_STATUSES)
    assert open_requests.filter(expected_at__lt=now).exists()


def test_local_hours_are_kept_across_daylight_saving_time(demo_city):
    """Winter requests moved into summer keep their clock time: in UTC they move by whole
    weeks less the hour the clocks went forward."""
    before = snapshot(demo_city)
    now = datetime(2026, 7, 15, 19, 0, tzinfo=UTC)  # a Wednesday, daylight-saving time
    result = shift_dates(demo_city, now=now)
    weeks = timedelta(weeks=result.weeks)
    after = snapshot(demo_city)
    crossed = 0
    for pk, dates in after["requests"].items():
        old = before["requests"][pk]["requested_at"]
        assert local(dates["requested_at"]) == local(old)
        assert old.astimezone(LA).dst() == timedelta(0)  # all from December and January
        assert dates["requested_at"].astimezone(LA).dst() == timedelta(hours=1)
        assert dates["requested_at"] - old == weeks - timedelta(hours=1)
        crossed += 1
    assert crossed == len(before["requests"])
    for pk, created_at in after["events"].items():
        assert local(created_at) == local(before["events"][pk])


def test_segments_follow_the_clock_changes():
    # From January to August 2020, moved 300 weeks: both ends have their own changes.
    start = datetime(2020, 1, 1, tzinfo=UTC)
    end = datetime(2020, 8, 31, tzinfo=UTC)
    pieces = segments(start, end, 300, LA)
    assert len(pieces) > 1
    probe, gaps = start, 0
    while probe < end:
        delta = next(d for at, d in reversed(pieces) if at <= probe)
        assert probe + delta == moved(probe, 300, LA), probe
        wanted = probe.astimezone(LA).replace(tzinfo=None) + timedelta(weeks=300)
        if (probe + delta).astimezone(LA).replace(tzinfo=None) != wanted:
            gaps += 1  # a time the clocks skip that night (2:xx a.m.): an hour later
            assert (probe + delta).astimezone(LA).replace(tzinfo=None) - wanted == HOUR
        else:
            assert local(probe + delta) == local(probe)
        probe += timedelta(minutes=37)
    assert gaps < 3
    # Never back in time, never into the future.
    friday = datetime(2020, 1, 3, 22, 22, tzinfo=UTC)
    assert weeks_to_shift(friday, friday + timedelta(days=6), LA) == 0
    assert weeks_to_shift(friday, friday - timedelta(days=30), LA) == 0
    assert weeks_to_shift(friday, friday + timedelta(days=7), LA) == 1


def test_a_second_run_changes_nothing(demo_city):
    bring_to_life(demo_city)
    before = snapshot(demo_city)
    events = Event.objects.count()
    statuses = list(ServiceRequest.objects.order_by("pk").values_list("status", "assignee"))
    again = bring_to_life(demo_city)
    assert again.shift.weeks == 0 and not again.shift.rows and not again.work.assigned
    assert snapshot(demo_city) == before
    assert Event.objects.count() == events
    assert list(ServiceRequest.objects.order_by("pk").values_list("status", "assignee")) == (
        statuses
    )


def test_what_happened_here_is_never_moved_past_now(demo_city):
    bring_to_life(demo_city)
    here = Event.objects.filter(actor_system=loader.DEMO)
    # Say the staff's queue was set up two days after the newest report.
    newest = ServiceRequest.objects.filter(jurisdiction=demo_city).latest("requested_at")
    done = newest.requested_at + timedelta(days=2)
    here.update(created_at=done)
    kept = set(here.values_list("pk", flat=True))
    # Six and a half days on, the newest request is over a week old, but a week's move
    # would put the staff's work in the future: it waits.
    waiting = shift_dates(demo_city, now=done + timedelta(days=6, hours=12))
    assert waiting.weeks == 0 and not waiting.rows
    # A day later it fits: everything moves a week, the queue's timeline with it (only
    # the city's own record of what came later may be cut off).
    later = done + timedelta(days=7, hours=2)  # a clock change may add an hour
    moved_on = shift_dates(demo_city, now=later)
    assert moved_on.weeks == 1
    assert set(here.values_list("pk", flat=True)) == kept
    assert set(here.values_list("created_at", flat=True)) == {moved(done, 1, LA)}
    assert ServiceRequest.objects.filter(assignee__username="staff").count() == len(
        {e.request_id for e in here}
    )


def test_map_counts_match_a_fresh_count(demo_city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bring_to_life(demo_city)
    kept = map_cells(demo_city)
    open_public = ServiceRequest.objects.public().filter(
        jurisdiction=demo_city, status__in=OPEN_STATUSES
    )
    counted_open = sum(row[-1] for row in kept if row[0] == 3 and row[4])
    assert counted_open == open_public.count() > 0
    rebuild_map_aggregates(demo_city)
    assert map_cells(demo_city) == kept


def test_staff_has_a_working_queue(demo_city, client):
    living = bring_to_life(demo_city)
    staff = User.objects.get(username="staff")
    manager = User.objects.get(username="manager")
    assert set(staff.departments.values_list("code", flat=True)) == {"bos"}
    assert set(manager.departments.values_list("code", flat=True)) == {"bos"}
    assert list(User.objects.get(username="agent").jurisdictions.all()) == [demo_city]

    queue = ServiceRequest.objects.filter(assignee=staff)
    assert living.work.assigned == queue.count() >= 4
    assert set(queue.values_list("department__code", flat=True)) == {"bos"}
    assert set(queue.values_list("status", flat=True)) == {
        Status.NEW,
        Status.ACKNOWLEDGED,
        Status.IN_PROGRESS,
    }
    events = Event.objects.filter(request__in=queue)
    assigned = events.filter(kind=Event.Kind.ASSIGNED)
    assert assigned.count() == queue.count()
    assert set(assigned.values_list("actor_system", flat=True)) == {loader.DEMO}
    notes = events.filter(kind=Event.Kind.INTERNAL_NOTE)
    assert 1 <= notes.count() <= 2 and not notes.filter(public=True).exists()
    # The notes stay off the public request page.
    request = notes.first().request
    page = client.get(request.get_absolute_url())
    assert page.status_code == 200
    assert notes.first().text not in page.content.decode()
    # And the staff account signs in to it.
    assert client.login(request=HttpRequest(), username="staff", password="fixboard-staff")


def test_only_the_demo_city_is_ever_moved():
    # A real Los Angeles, not loaded by the demo, keeps its dates.
    city = make_city(slug=loader.SLUG)
    old = datetime(2020, 1, 3, 22, 22, tzinfo=UTC)
    request = submit_pothole(city, requested_at=old)
    assert demo_jurisdiction() is None
    out = io.StringIO()
    call_command("demo", stdout=out, stderr=io.StringIO())
    assert "Moved" not in out.getvalue()
    request.refresh_from_db()
    assert request.requested_at == old
    assert request.events.get().created_at == old


@pytest.mark.slow
def test_the_real_demo_loads_and_comes_to_life(client):
    out = io.StringIO()
    call_command("demo", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "Loaded Los Angeles" in text
    assert "Moved the demo's dates" in text
    assert "requests closed later are open again" in text
    assert "Assigned 6 open Sanitation requests to the staff account" in text

    la = demo_jurisdiction()
    now = datetime.now(UTC)
    requests = ServiceRequest.objects.filter(jurisdiction=la)
    newest = requests.latest("requested_at").requested_at
    assert now - timedelta(days=7) < newest <= now
    assert not Event.objects.filter(created_at__gt=now).exists()
    assert requests.filter(status__in=OPEN_STATUSES).count() > 1_000
    assert requests.filter(assignee__username="staff").count() == 6
    # The map's "last 7 days" shows thousands of open requests.
    window = client.get(
        "/los-angeles/map.json",
        {"south": 33.7, "west": -118.7, "north": 34.4, "east": -118.1, "zoom": 10}
        | {"age": 7, "status": "open"},
    )
    assert window.status_code == 200 and window.json()["total"] > 1_000

    again = io.StringIO()
    call_command("demo", stdout=again, stderr=io.StringIO())
    assert "its dates are already recent" in again.getvalue()
    assert "Assigned" not in again.getvalue()

    # The dates as the city recorded them, on request.
    assert "keep-dates" in call_command_help()


def call_command_help() -> str:
    from fixboard.demo.management.commands.demo import Command

    return Command().create_parser("fixboard", "demo").format_help()
