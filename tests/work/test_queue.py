"""The work queue through the HTTP client: scope, filters, sorts, count, "new since"."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from fixboard.accounts.models import User
from fixboard.reports.models import Channel, ServiceRequest, Status
from fixboard.work.models import QueueVisit
from fixboard.work.visits import VISIT_GAP
from tests.factories import INSIDE_EAST, ServiceTypeFactory, UserFactory, make_city, submit_pothole
from tests.work.conftest import make_request

pytestmark = pytest.mark.django_db
QUEUE = "/queue/"


def listed(response) -> list[str]:
    """The public ids of the rows, in order."""
    return re.findall(r'<a href="[^"]*" class="queue-link">([^<]+)</a>', response.content.decode())


def row_of(body: str, public_id: str) -> str:
    return re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{public_id}(?:(?!</tr>).)*</tr>", body, re.S)[0]


def get(client, user, **params):
    client.force_login(user)
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return response


def test_staff_see_their_departments_open_requests_not_anothers(client, city, staff, tree):
    mine = make_request(city)
    closed = make_request(city)
    ServiceRequest.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    parks = make_request(city, service_type=tree)
    other_city = make_city()
    elsewhere = submit_pothole(other_city)
    ids = listed(get(client, staff))
    assert ids == [mine.public_id]
    assert parks.public_id not in ids and elsewhere.public_id not in ids


def test_a_granted_department_is_listed(client, city, staff, tree):
    parks = make_request(city, service_type=tree)
    staff.granted_departments.set([city.parks])
    assert parks.public_id in listed(get(client, staff))


def test_admins_and_call_takers_see_their_jurisdictions(client, city, tree):
    streets, parks = make_request(city), make_request(city, service_type=tree)
    elsewhere = submit_pothole(make_city())
    for role in (User.Role.ADMIN, User.Role.AGENT):
        user = UserFactory(role=role, jurisdictions=[city.jurisdiction])
        ids = listed(get(client, user))
        assert set(ids) == {streets.public_id, parks.public_id}, role
        assert elsewhere.public_id not in ids


def test_call_takers_get_no_bulk_actions(client, city):
    make_request(city)
    agent = UserFactory(role=User.Role.AGENT, jurisdictions=[city.jurisdiction])
    body = get(client, agent).content.decode()
    assert "Apply to selected" not in body and 'name="ids"' not in body
    staff = UserFactory(
        role=User.Role.STAFF, jurisdictions=[city.jurisdiction], departments=[city.streets]
    )
    assert "Apply to selected" in get(client, staff).content.decode()


def test_residents_and_strangers_are_kept_out(client, city):
    assert client.get(QUEUE).status_code == 302
    client.force_login(UserFactory())
    assert client.get(QUEUE).status_code == 403


def test_status_filter(client, city, staff):
    new = make_request(city)
    acknowledged = make_request(city, status=Status.ACKNOWLEDGED)
    closed = make_request(city, status=Status.CLOSED)
    assert set(listed(get(client, staff))) == {new.public_id, acknowledged.public_id}
    assert listed(get(client, staff, status="acknowledged")) == [acknowledged.public_id]
    assert listed(get(client, staff, status="closed")) == [closed.public_id]
    assert len(listed(get(client, staff, status="all"))) == 3


def test_service_type_filter(client, city, staff):
    pothole = make_request(city)
    bulky_type = city.bulky
    bulky = make_request(city)
    ServiceRequest.objects.filter(pk=bulky.pk).update(service_type=bulky_type)
    assert listed(get(client, staff, service=bulky_type.pk)) == [bulky.public_id]
    assert listed(get(client, staff, service=city.pothole.pk)) == [pothole.public_id]


def test_area_filter(client, city, staff):
    west = make_request(city)
    east = submit_pothole(city, at=INSIDE_EAST)
    assert listed(get(client, staff, area=city.east.pk)) == [east.public_id]
    assert listed(get(client, staff, area=city.west.pk)) == [west.public_id]


def test_assignee_filter(client, city, staff):
    colleague = UserFactory(
        role=User.Role.STAFF, jurisdictions=[city.jurisdiction], departments=[city.streets]
    )
    mine = make_request(city, assignee=staff)
    theirs = make_request(city, assignee=colleague)
    nobody = make_request(city)
    assert listed(get(client, staff, assignee="me")) == [mine.public_id]
    assert listed(get(client, staff, assignee="none")) == [nobody.public_id]
    assert listed(get(client, staff, assignee=colleague.pk)) == [theirs.public_id]


def test_sla_filter(client, city, staff):
    now = timezone.now()
    overdue = make_request(city, expected_at=now - timedelta(hours=2))
    soon = make_request(city, expected_at=now + timedelta(hours=3))
    later = make_request(city, expected_at=now + timedelta(days=5))
    none = make_request(city, expected_at=None)
    for state, request in [
        ("overdue", overdue),
        ("due_soon", soon),
        ("on_time", later),
        ("none", none),
    ]:
        assert listed(get(client, staff, sla=state)) == [request.public_id], state


def test_channel_filter(client, city, staff):
    web = make_request(city)
    phone = make_request(city, channel=Channel.PHONE)
    assert listed(get(client, staff, channel="phone")) == [phone.public_id]
    assert listed(get(client, staff, channel="web")) == [web.public_id]


def test_age_filter(client, city, staff):
    today = make_request(city, ago=timedelta(minutes=5))
    week = make_request(city, ago=timedelta(days=10))
    month = make_request(city, ago=timedelta(days=40))
    assert listed(get(client, staff, age="today")) == [today.public_id]
    assert set(listed(get(client, staff, age="week"))) == {week.public_id, month.public_id}
    assert listed(get(client, staff, age="month")) == [month.public_id]


def test_requests_nobody_pinpointed_are_marked_and_filtered(client, city, staff):
    from fixboard.reports.actions import submit_request

    placed = make_request(city)
    unplaced = submit_request(
        service_type=city.pothole,
        lat=None,
        long=None,
        address="Corner of Elm and 3rd",
        attributes={"depth": "deep"},
        actor=None,
        pinpointed=False,
    )

    body = get(client, staff).content.decode()
    assert "not pinpointed" in row_of(body, unplaced.public_id)
    assert "not pinpointed" not in row_of(body, placed.public_id)
    assert listed(get(client, staff, place="unplaced")) == [unplaced.public_id]
    work = client.get(f"/queue/requests/{unplaced.public_id}/").content.decode()
    assert "Location not pinpointed: move it to its place" in work


def test_department_filter_for_people_of_several(client, city, staff, tree):
    streets = make_request(city)
    parks = make_request(city, service_type=tree)
    staff.departments.set([city.streets, city.parks])
    response = get(client, staff)
    assert 'id="id_department"' in response.content.decode()
    assert listed(get(client, staff, department=city.parks.pk)) == [parks.public_id]
    assert listed(get(client, staff, department=city.streets.pk)) == [streets.public_id]


def test_department_filter_hidden_for_people_of_one(client, city, staff):
    assert 'id="id_department"' not in get(client, staff).content.decode()


def test_an_invalid_filter_is_ignored_and_said(client, city, staff):
    request = make_request(city)
    response = get(client, staff, sla="whenever", service="999999")
    assert listed(response) == [request.public_id]
    assert "Select a valid choice" in response.content.decode()


def test_sorts(client, city, staff):
    now = timezone.now()
    old = make_request(city, ago=timedelta(days=10), expected_at=now + timedelta(days=2))
    middle = make_request(city, ago=timedelta(days=2), expected_at=now - timedelta(hours=1))
    young = make_request(city, ago=timedelta(hours=1), expected_at=None, support_count=9)
    assert listed(get(client, staff, sort="newest")) == [
        young.public_id,
        middle.public_id,
        old.public_id,
    ]
    assert listed(get(client, staff, sort="oldest")) == [
        old.public_id,
        middle.public_id,
        young.public_id,
    ]
    assert listed(get(client, staff, sort="due")) == [
        middle.public_id,
        old.public_id,
        young.public_id,
    ]
    assert listed(get(client, staff, sort="supported"))[0] == young.public_id
    # Priority: overdue (40) + 2 days old (6) = 46; 9 supporters = 18; 10 days (12) + due in
    # 2 days (10) = 22.
    assert listed(get(client, staff)) == [middle.public_id, old.public_id, young.public_id]


def test_rows_explain_their_priority(client, city, staff):
    now = timezone.now()
    make_request(city, support_count=15, expected_at=now + timedelta(hours=3, minutes=20))
    body = get(client, staff).content.decode()
    # Largest part first: 15 supporters are 30 points, due within a day 25.
    assert "15 supporters · SLA due in 3 h" in body


def test_paging_50_a_page_with_the_count(client, city, staff):
    first = make_request(city)
    ServiceRequest.objects.bulk_create(
        ServiceRequest(
            public_id=f"T-{n:04d}",
            jurisdiction=city.jurisdiction,
            service_type=city.pothole,
            department=city.streets,
            lat=34.05,
            long=-118.25,
            requested_at=first.requested_at - timedelta(minutes=n + 1),
            updated_at=first.requested_at,
        )
        for n in range(60)
    )
    page1 = get(client, staff, sort="newest")
    assert len(listed(page1)) == 50
    assert "61</strong>" in page1.content.decode()
    page2 = get(client, staff, sort="newest", page=2)
    assert listed(page2) == [f"T-{n:04d}" for n in range(49, 60)]
    assert "Work queue (61)" in page1.content.decode()


def test_live_count_endpoint_follows_the_filters(client, city, staff):
    make_request(city)
    make_request(city, channel=Channel.PHONE)
    client.force_login(staff)
    body = client.get(reverse("work:queue_count"), {"channel": "phone"}).content.decode()
    assert 'data-live-count="1"' in body
    assert 'hx-trigger="every 30s"' in body
    assert "channel=phone" in body


def test_htmx_gets_the_results_alone(client, city, staff):
    make_request(city)
    client.force_login(staff)
    response = client.get(QUEUE, {"sort": "newest"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "queue-table" in body and "<html" not in body


def test_new_since_last_looked(client, city, staff):
    seen = make_request(city, ago=timedelta(hours=3))
    get(client, staff)  # the first look marks nothing new
    visit = QueueVisit.objects.get(user=staff)
    # The person comes back after a break; one request came in meanwhile.
    earlier = timezone.now() - VISIT_GAP - timedelta(minutes=5)
    QueueVisit.objects.filter(pk=visit.pk).update(seen_at=earlier, last_request_at=earlier)
    fresh = make_request(city, ago=timedelta(minutes=1))
    body = get(client, staff).content.decode()
    assert "1 new since you last looked" in body
    assert "badge-new" in row_of(body, fresh.public_id)
    assert "badge-new" not in row_of(body, seen.public_id)
    # Within the same visit the marks stay; "Mark all as seen" clears them.
    assert "1 new since you last looked" in get(client, staff).content.decode()
    response = client.post(reverse("work:queue_seen"), {"query": "sort=newest"})
    assert response.status_code == 302 and response.url.endswith("?sort=newest")
    assert "0 new since you last looked" in get(client, staff).content.decode()


def test_rows_link_to_the_work_view(client, city, staff):
    request = make_request(city)
    assert f'href="/queue/requests/{request.public_id}/"' in get(client, staff).content.decode()


def test_page_queries_stay_few(client, city, staff, django_assert_max_num_queries):
    for _ in range(5):
        make_request(city)
    other = ServiceTypeFactory(jurisdiction=city.jurisdiction, default_department=city.streets)
    make_request(city, service_type=other)
    client.force_login(staff)
    client.get(QUEUE)
    with django_assert_max_num_queries(21):
        client.get(QUEUE)
