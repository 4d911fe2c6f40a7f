"""Polling a CRM by GET requests (the v2.1 draft's updated_after, or a v2 server's own
window): each record is the request's state now, read page by page from a high-water mark,
whatever the CRM's clock says, and applied once however often it is read or touched."""

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from fixboard.bridge.models import CrmPoll, CrmSend
from fixboard.bridge.tasks import poll_endpoint
from fixboard.core.models import Outbox
from fixboard.reports.models import CloseReason, Event, Status
from tests.factories import submit_pothole

from .conftest import connect, drain, fixture

pytestmark = pytest.mark.django_db

MAPPING = {"ASSIGNED": "in_progress", "RESOLVED": "closed:fixed", "REOPENED": "new"}


@pytest.fixture
def endpoint(city, crm):
    return connect(city, crm.url, poll="requests", statuses=MAPPING)


def forwarded(city, n=1):
    requests = [submit_pothole(city, description=f"Hole {i}") for i in range(n)]
    drain()
    for request in requests:
        request.refresh_from_db()
        assert request.external_id
    return requests


def public_notes(request):
    return list(
        request.events.filter(kind__in=(Event.Kind.PUBLIC_UPDATE, Event.Kind.STATUS_CHANGED))
        .exclude(text="")
        .values_list("text", flat=True)
    )


def test_a_request_polled_by_get_requests_moves_once_and_the_mark_follows_the_crm(
    city, endpoint, crm, client
):
    [request] = forwarded(city)
    crm.crm.change_status(request.external_id, "ASSIGNED", "A crew is on its way")
    assert poll_endpoint.call(endpoint.pk) == 1
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
    state = CrmPoll.objects.get(endpoint=endpoint)
    changed = crm.crm.read_time(crm.crm.requests[request.external_id]["updated_datetime"])
    assert state.high_water == changed and not state.last_error

    # Read again (the overlap), then touched by the CRM's staff without a change: nothing.
    assert poll_endpoint.call(endpoint.pk) == 0
    crm.crm.touch(request.external_id)
    assert poll_endpoint.call(endpoint.pk) == 0
    assert public_notes(request) == ["A crew is on its way"]
    # A poll asks from the mark, less the overlap for clocks and late commits.
    mark = CrmPoll.objects.get(endpoint=endpoint).high_water
    assert poll_endpoint.call(endpoint.pk) == 0
    asked = datetime.fromisoformat(crm.crm.gets[-1]["updated_after"])
    assert asked == mark - timedelta(minutes=10)

    crm.crm.change_status(request.external_id, "RESOLVED", "Filled")
    assert poll_endpoint.call(endpoint.pk) == 1
    request.refresh_from_db()
    assert (request.status, request.close_reason) == (Status.CLOSED, CloseReason.FIXED)
    assert public_notes(request) == ["A crew is on its way", "Filled"]
    html = client.get(request.get_absolute_url()).content.decode()
    assert "A crew is on its way" in html and "Filled" in html


def test_a_request_that_comes_back_to_an_earlier_state_is_moved_again(city, endpoint, crm):
    [request] = forwarded(city)
    crm.crm.change_status(request.external_id, "RESOLVED", "Filled")
    poll_endpoint.call(endpoint.pk)
    crm.crm.change_status(request.external_id, "REOPENED", "Sunk again")
    poll_endpoint.call(endpoint.pk)
    request.refresh_from_db()
    assert request.status == Status.NEW
    crm.crm.change_status(request.external_id, "RESOLVED", "Filled")  # as the first time
    poll_endpoint.call(endpoint.pk)
    poll_endpoint.call(endpoint.pk)
    request.refresh_from_db()
    assert request.status == Status.CLOSED
    closes = request.events.filter(kind=Event.Kind.STATUS_CHANGED, to_status=Status.CLOSED)
    assert closes.count() == 2


def test_every_page_is_read(city, endpoint, crm):
    requests = forwarded(city, n=55)  # the stand-in pages by 50
    for request in requests:
        crm.crm.change_status(request.external_id, "ASSIGNED", f"Crew for {request.public_id}")
    crm.crm.gets.clear()
    assert poll_endpoint.call(endpoint.pk) == 55
    assert [q["page"] for q in crm.crm.gets] == ["1", "2"]
    assert Event.objects.filter(kind=Event.Kind.STATUS_CHANGED).count() == 55


@pytest.mark.parametrize("skew", [timedelta(minutes=-45), timedelta(minutes=45)])
def test_a_crm_clock_ahead_or_behind_loses_nothing_and_repeats_nothing(city, endpoint, crm, skew):
    crm.crm.clock = skew
    [request] = forwarded(city)
    crm.crm.change_status(request.external_id, "ASSIGNED", "Crew sent")
    poll_endpoint.call(endpoint.pk)
    state = CrmPoll.objects.get(endpoint=endpoint)
    assert state.high_water <= timezone.now(), "a clock ahead never moves the mark past ours"
    crm.crm.change_status(request.external_id, "RESOLVED", "Filled")
    poll_endpoint.call(endpoint.pk)
    poll_endpoint.call(endpoint.pk)
    request.refresh_from_db()
    assert request.status == Status.CLOSED
    assert public_notes(request) == ["Crew sent", "Filled"]
    assert all(e.created_at <= timezone.now() for e in request.events.all())


def test_a_v2_server_that_ignores_updated_after_is_read_whole_and_applied_once(city, endpoint, crm):
    crm.crm.knows_updated_after = False
    first, second = forwarded(city, n=2)
    crm.crm.change_status(first.external_id, "ASSIGNED", "Crew sent")
    poll_endpoint.call(endpoint.pk)
    crm.crm.change_status(second.external_id, "RESOLVED", "Filled")
    poll_endpoint.call(endpoint.pk)
    poll_endpoint.call(endpoint.pk)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.IN_PROGRESS, Status.CLOSED)
    assert public_notes(first) == ["Crew sent"] and public_notes(second) == ["Filled"]


def test_times_without_a_zone_are_read_in_the_city_zone(city, endpoint, crm):
    zone = zoneinfo.ZoneInfo(city.jurisdiction.timezone)
    crm.crm.naive_times, crm.crm.naive_zone = True, zone
    [request] = forwarded(city)
    crm.crm.change_status(request.external_id, "ASSIGNED", "Crew sent")
    poll_endpoint.call(endpoint.pk)
    written = crm.crm.requests[request.external_id]["updated_datetime"]
    assert "+" not in written and not written.endswith("Z")
    expected = datetime.fromisoformat(written).replace(tzinfo=zone).astimezone(UTC)
    assert CrmPoll.objects.get(endpoint=endpoint).high_water == expected
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


def test_a_failed_page_keeps_the_mark_and_the_next_poll_finishes(city, endpoint, crm):
    requests = forwarded(city, n=55)
    for request in requests:
        crm.crm.change_status(request.external_id, "ASSIGNED", "Crew sent")
    crm.crm.get_faults = ["", "500"]  # page 1 answered, page 2 fails
    assert poll_endpoint.call(endpoint.pk) == 50
    state = CrmPoll.objects.get(endpoint=endpoint)
    assert state.high_water is None and "HTTP 500" in state.last_error
    assert poll_endpoint.call(endpoint.pk) == 5
    state.refresh_from_db()
    assert state.high_water is not None and not state.last_error
    assert Event.objects.filter(kind=Event.Kind.STATUS_CHANGED).count() == 55


def _sent_as(city, endpoint, external_ids):
    """Requests the CRM already has under `external_ids` (forwarded earlier)."""
    requests = []
    for external_id in external_ids:
        request = submit_pothole(city)
        updated = CrmSend.objects.filter(request=request, endpoint=endpoint).update(
            state=Outbox.State.SENT, external_id=external_id
        )
        assert updated == 1, "the routing rule queued it for the CRM"
        requests.append(request)
    return requests


@pytest.mark.parametrize(
    ("name", "ids", "notes"),
    [
        # 311 Toronto: open, with notes, and an empty updated_datetime.
        (
            "toronto_requests.xml",
            ["101005420892", "101005420894"],
            ["In progress - The request has been scheduled."] * 2,
        ),
        # Chicago: times with offsets, and notes on one request only.
        ("chicago_requests.json", ["14-01100669", "14-01100627"], [None, "Locked"]),
    ],
)
def test_real_cities_answers_are_applied_once(city, canned, name, ids, notes):
    fmt = name.rpartition(".")[2]
    server = canned({f"requests.{fmt}": fixture(name)})
    endpoint = connect(city, server.url, poll="requests", format=fmt)
    requests = _sent_as(city, endpoint, ids)
    poll_endpoint.call(endpoint.pk)
    poll_endpoint.call(endpoint.pk)
    for request, note in zip(requests, notes, strict=True):
        request.refresh_from_db()
        assert request.status == Status.NEW, "open in the CRM: it stays open"
        assert public_notes(request) == ([note] if note else [])
    # Fewer records than the smallest page: each poll read one page.
    assert [a.split("page=")[1][:1] for a in server.asked] == ["1", "1"]
    state = CrmPoll.objects.get(endpoint=endpoint)
    assert not state.last_error
    if name.startswith("chicago"):
        assert state.high_water == datetime.fromisoformat("2014-07-12T11:08:21-05:00")
    else:
        assert state.high_water is None, "no time given: the mark stays"
