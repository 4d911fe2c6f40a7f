"""Bulk actions: each request through the domain, all or nothing per request, a clear report."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from fixboard.accounts.models import User
from fixboard.insights.counting import rebuild_figures
from fixboard.insights.models import FigureTally
from fixboard.insights.selectors import city_figures
from fixboard.maps.aggregates import rebuild_map_aggregates
from fixboard.maps.models import MapCell, MapPoint
from fixboard.reports.models import Event, ServiceRequest, Status
from tests.factories import UserFactory, make_city, submit_pothole
from tests.work.conftest import make_request

pytestmark = pytest.mark.django_db
BULK = "/queue/bulk/"


def post(client, user, ids, **data):
    client.force_login(user)
    return client.post(
        BULK, {"ids": [r.public_id if hasattr(r, "public_id") else r for r in ids], **data}
    )


def failed_section(response) -> str:
    match = re.search(
        r'<section class="card bulk-failed".*?</section>', response.content.decode(), re.S
    )
    return match[0] if match else ""


def test_close_a_mix_reports_the_refused_with_the_reason(client, city, staff, tree):
    mine = [make_request(city) for _ in range(3)]
    parks = make_request(city, service_type=tree)
    already = make_request(city, status=Status.CLOSED, close_reason="fixed")
    response = post(
        client,
        staff,
        [*mine, parks, already, "NO-SUCH-1"],
        action="close",
        close_reason="fixed",
        message="Filled on Tuesday.",
        query="sort=newest",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "3 of 6 done." in body and "3 were not changed." in body
    failed = failed_section(response)
    assert f"{parks.public_id}</a>: {parks.public_id} belongs to another department" in failed
    assert f"{already.public_id}</a>: The request is already closed." in failed
    assert "<span>NO-SUCH-1</span>: No such request." in failed
    for request in mine:
        request.refresh_from_db()
        assert (request.status, request.close_reason) == (Status.CLOSED, "fixed")
        event = Event.objects.get(request=request, kind=Event.Kind.STATUS_CHANGED)
        assert event.public and event.text == "Filled on Tuesday."
    parks.refresh_from_db()
    assert parks.status == Status.NEW
    assert 'href="/queue/?sort=newest"' in body


def test_acknowledge_and_change_status(client, city, staff):
    first, second = make_request(city), make_request(city)
    response = post(client, staff, [first, second], action="acknowledge")
    assert "2 of 2 done." in response.content.decode()
    assert set(ServiceRequest.objects.values_list("status", flat=True)) == {Status.ACKNOWLEDGED}
    post(client, staff, [first], action="status", status="in_progress")
    first.refresh_from_db()
    assert first.status == Status.IN_PROGRESS
    # In progress may go back to acknowledged; acknowledged again is refused, and said.
    response = post(client, staff, [first, second], action="acknowledge")
    assert "1 of 2 done." in response.content.decode()
    assert "already acknowledged" in failed_section(response)


def test_assign_to_a_person_or_a_department(client, city, staff, tree):
    colleague = UserFactory(
        role=User.Role.STAFF,
        first_name="Cora",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets],
    )
    request, parks = make_request(city), make_request(city, service_type=tree)
    response = post(client, staff, [request, parks], action="assign", assignee=colleague.pk)
    assert "1 of 2 done." in response.content.decode()
    request.refresh_from_db()
    assert request.assignee == colleague
    response = post(client, staff, [request], action="assign", department=city.parks.pk)
    request.refresh_from_db()
    assert request.department == city.parks


def test_an_incomplete_action_changes_nothing(client, city, staff):
    request = make_request(city)
    response = post(client, staff, [request], action="close")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Say why the requests are closed." in body
    assert "Write the message the residents will read." in body
    assert post(client, staff, [], action="acknowledge").status_code == 400
    request.refresh_from_db()
    assert request.status == Status.NEW


def test_another_citys_request_is_refused_not_an_error(client, city, staff):
    elsewhere = submit_pothole(make_city())
    response = post(client, staff, [elsewhere], action="acknowledge")
    assert response.status_code == 200
    assert "does not work for" in failed_section(response)
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.NEW


def test_call_takers_are_told_why(client, city):
    agent = UserFactory(role=User.Role.AGENT, jurisdictions=[city.jurisdiction])
    request = make_request(city)
    response = post(client, agent, [request], action="acknowledge")
    assert "Call-takers add notes and callers" in failed_section(response)


def test_bulk_needs_post_and_staff(client, city, staff):
    client.force_login(staff)
    assert client.get(reverse("work:queue_bulk")).status_code == 405
    client.force_login(UserFactory())
    assert client.post(BULK, {"action": "acknowledge"}).status_code == 403


def close_all(client, user, requests) -> list[str]:
    """The statements of one bulk close of `requests`, but savepoints (each request's own)."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as context:
        response = post(
            client, user, requests, action="close", close_reason="fixed", message="Fixed."
        )
    n = len(requests)
    assert f"{n} of {n} done." in response.content.decode()
    return [
        q["sql"]
        for q in context.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def counted(jurisdiction) -> tuple[set, set]:
    """The map cells and public figures of the jurisdiction, as pages read them."""
    cells = MapCell.objects.filter(jurisdiction=jurisdiction, count__gt=0).values_list(
        "level", "cell_x", "cell_y", "service_type_id", "is_open", "count"
    )
    tallies = FigureTally.objects.filter(jurisdiction=jurisdiction, count__gt=0).values_list(
        "scope", "scope_id", "service_type_id", "outcome", "fix_bucket", "sla", "count"
    )
    return set(cells), set(tallies)


@pytest.mark.django_db(transaction=True)  # each chunk commits, then its events are announced
def test_a_bulk_close_costs_the_same_few_statements_per_request(client, city, staff, settings):
    """Map counts and public figures are recounted once per batch, not per request: each
    more request costs its lock, its update, its event and its queued e-mail, no more."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.CONFIGURATION_CACHE_SECONDS = 5  # as deployed: not read again for each request
    requests = [submit_pothole(city) for _ in range(16)]
    close_all(client, staff, requests[:1])  # the configuration read once
    five = close_all(client, staff, requests[1:6])
    ten = close_all(client, staff, requests[6:])
    assert len(ten) - len(five) == 5 * 4
    assert sum("maps_" in sql for sql in ten) == sum("maps_" in sql for sql in five)
    assert sum("insights_" in sql for sql in ten) == sum("insights_" in sql for sql in five)

    assert ServiceRequest.objects.filter(status=Status.CLOSED).count() == 16
    # The worker tells each request's followers.
    assert DBTaskResult.objects.filter(task_path__endswith="notify_event").count() == 16
    assert not MapPoint.objects.filter(is_open=True).exists()
    figures = city_figures(city.jurisdiction.pk).total
    assert (figures.opened, figures.fixed, figures.still_open) == (16, 16, 0)
    # What was counted batch by batch is what counting everything again finds.
    kept = counted(city.jurisdiction)
    rebuild_map_aggregates(city.jurisdiction)
    rebuild_figures(city.jurisdiction)
    assert counted(city.jurisdiction) == kept
