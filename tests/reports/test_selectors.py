from datetime import timedelta

import pytest
from django.utils import timezone

from fixboard.reports import selectors
from fixboard.reports.actions import ContactDetails, add_update, assign, submit_request, transition
from fixboard.reports.models import ServiceRequest, Status
from fixboard.reports.selectors import RequestFilters
from tests.factories import (
    INSIDE_EAST,
    ServiceTypeFactory,
    UserFactory,
    make_city,
    submit_pothole,
)

pytestmark = pytest.mark.django_db


def ids(rows):
    return [r["public_id"] for r in rows]


def test_hidden_unconfirmed_and_private_requests_are_never_public(city):
    shown = submit_pothole(city)
    hidden = submit_pothole(city)
    ServiceRequest.objects.filter(pk=hidden.pk).update(hidden=True)
    unconfirmed = submit_pothole(city, awaiting_confirmation=True)
    secret_type = ServiceTypeFactory(jurisdiction=city.jurisdiction, public=False)
    secret = submit_request(service_type=secret_type, lat=34.05, long=-118.25, actor=None)

    assert ids(selectors.list_public_requests().rows) == [shown.public_id]
    for request in (hidden, unconfirmed, secret):
        assert selectors.get_public_request(request.public_id) is None
    assert selectors.get_public_request(shown.public_id.lower().replace("-", "")).pk == shown.pk


def test_pages_have_no_gaps_or_repeats_while_new_requests_arrive(city):
    start = timezone.now() - timedelta(days=1)
    made = [submit_pothole(city, requested_at=start + timedelta(minutes=i // 2)) for i in range(9)]
    seen, position = [], None
    while True:
        page = selectors.list_public_requests(after=position, limit=4)
        seen += ids(page.rows)
        submit_pothole(city)  # newer than everything: lands before the first page
        if page.next is None:
            break
        position = page.next
    assert sorted(seen) == sorted(r.public_id for r in made)
    assert len(seen) == len(set(seen))


def test_filters_narrow_by_place_status_service_and_time(city):
    west = submit_pothole(city)
    east = submit_pothole(city, at=INSIDE_EAST)
    bulky = submit_request(
        service_type=city.bulky, lat=34.05, long=-118.25, attributes={"items": 2}, actor=None
    )
    transition(request=east, to_status=Status.CLOSED, close_reason="fixed", actor="city")

    def listed(**filters):
        return set(ids(selectors.list_public_requests(filters=RequestFilters(**filters)).rows))

    assert listed(area_id=city.east.pk) == {east.public_id}
    assert listed(bbox=(-118.3, 34.0, -118.2, 34.1)) == {west.public_id, bulky.public_id}
    assert listed(statuses=("open",)) == {west.public_id, bulky.public_id}
    assert listed(statuses=("closed",)) == {east.public_id}
    assert listed(service_codes=("bulky-items",)) == {bulky.public_id}
    assert listed(jurisdiction="elsewhere") == set()
    east.refresh_from_db()
    assert listed(updated_after=east.updated_at - timedelta(microseconds=1)) == {east.public_id}


def test_a_city_and_its_areas_list_only_their_own_requests(city):
    other = make_city()
    here = submit_pothole(city)
    there = submit_pothole(other)

    def listed(**filters):
        return set(ids(selectors.list_public_requests(filters=RequestFilters(**filters)).rows))

    assert listed(jurisdiction=city.jurisdiction.slug) == {here.public_id}
    assert listed(jurisdiction=other.jurisdiction.slug) == {there.public_id}
    assert listed(area_id=other.west.pk) == {there.public_id}
    assert listed(area_id=other.west.pk, jurisdiction=city.jurisdiction.slug) == set()


def test_nearby_finds_open_requests_of_the_type_by_true_distance(city):
    here = submit_pothole(city, at=(34.05, -118.25))
    near = submit_pothole(city, at=(34.0509, -118.25))  # ~100 m north
    submit_pothole(city, at=(34.0512, -118.2512))  # inside the box corner, ~170 m away
    closed = submit_pothole(city, at=(34.0501, -118.25))
    transition(request=closed, to_status=Status.CLOSED, close_reason="fixed", actor="city")
    submit_request(
        service_type=city.bulky, lat=34.05, long=-118.25, attributes={"items": 1}, actor=None
    )

    found = selectors.nearby_open_requests(city.pothole, 34.05, -118.25, 150)

    assert ids(found) == [here.public_id, near.public_id]
    assert found[0]["distance_m"] == 0
    assert 95 < found[1]["distance_m"] < 105


def test_nearby_requests_show_their_first_visible_photo(city):
    from tests.reports.test_photos import jpeg

    pictured = submit_pothole(city, at=(34.05, -118.25), photos=[(jpeg(), "a.jpg")])
    plain = submit_pothole(city, at=(34.0501, -118.25))

    found = selectors.nearby_open_requests(city.pothole, 34.05, -118.25, 150)

    assert ids(found) == [pictured.public_id, plain.public_id]
    assert found[0]["photo"] == pictured.photos.get().image.url
    assert found[1]["photo"] == ""


def test_distance_box_handles_the_antimeridian():
    lat_range, long_ranges = selectors._bbox(0, 179.9999, 1000)
    assert len(long_ranges) == 2
    assert selectors.distance_m(0, 179.9999, 0, -179.9999) < 30


def test_timeline_shows_public_events_with_roles_and_no_private_details(city):
    clerk = UserFactory(
        role="staff",
        username="clerk.jones",
        jurisdictions=[city.jurisdiction],
        departments=[city.streets, city.parks],
    )
    request = submit_pothole(city, email="ana@example.org")
    assign(request=request, actor=clerk, department=city.parks, assignee=clerk)
    add_update(request=request, text="Crew booked for Monday", actor=clerk)
    add_update(request=request, text="Caller is rude", actor=clerk, public=False)

    timeline = selectors.public_timeline(request)

    assert [e.kind for e in timeline] == ["submitted", "assigned", "public_update"]
    assert [e.actor for e in timeline] == ["resident", "city", "city"]
    assert timeline[1].data == {"department": "Parks"}
    assert "Caller is rude" not in repr(timeline)
    assert "clerk.jones" not in repr(timeline)


def test_reporter_name_only_when_chosen(city):
    kept = submit_pothole(city, email="ana@example.org")
    shown = submit_request(
        service_type=city.pothole,
        lat=34.05,
        long=-118.25,
        attributes={"depth": "deep"},
        reporter=ContactDetails(name="Ana Reyes", email="ana@example.org"),
        reporter_name_public=True,
        actor=None,
    )
    assert selectors.get_public_request(kept.public_id).public_reporter_name == ""
    assert selectors.get_public_request(shown.public_id).public_reporter_name == "Ana Reyes"
