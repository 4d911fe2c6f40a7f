"""What staff change on a request beyond its status: service type, place, priority, close
reason, redaction — each checked, recorded on the timeline, public or internal as it should."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from fixboard.catalog.models import AttributeDefinition, RoutingRule
from fixboard.reports import actions, changes
from fixboard.reports.models import Event, RequestArea, ServiceRequest
from tests.factories import (
    INSIDE_EAST,
    INSIDE_WEST,
    OUTSIDE,
    AttributeFactory,
    ServiceTypeFactory,
    UserFactory,
    make_city,
    submit_pothole,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sidewalk(city):
    """Sidewalk repair: asks the pothole's depth question too (other choices), and a
    question of its own; the parks department works it, with a 10-day target."""
    sidewalk = ServiceTypeFactory(
        jurisdiction=city.jurisdiction,
        code="sidewalk",
        name="Sidewalk repair",
        default_department=city.parks,
        sla_hours=240,
    )
    AttributeFactory(
        service_type=sidewalk,
        code="depth",
        description="How deep?",
        datatype=AttributeDefinition.Datatype.SINGLEVALUELIST,
        values=[{"key": "deep", "name": "Deep"}, {"key": "cracked", "name": "Cracked"}],
    )
    AttributeFactory(service_type=sidewalk, code="width", description="How wide?")
    return sidewalk


@pytest.fixture
def staff(city):
    return UserFactory(
        username="sam", role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets]
    )


@pytest.fixture
def outsiders(city):
    """Everyone who may not change a Streets request of Testville."""
    other = make_city()
    return {
        "staff of another department": UserFactory(
            role="staff", jurisdictions=[city.jurisdiction], departments=[city.parks]
        ),
        "call-taker": UserFactory(role="agent", jurisdictions=[city.jurisdiction]),
        "admin of another city": UserFactory(role="admin", jurisdictions=[other.jurisdiction]),
    }


def assert_refused_to_all(outsiders, call, request):
    before = Event.objects.filter(request=request).count()
    for who, user in outsiders.items():
        with pytest.raises(PermissionDenied):
            call(user)
            pytest.fail(f"{who} was allowed")
    assert Event.objects.filter(request=request).count() == before


def public_page(client, request) -> str:
    response = client.get(f"/requests/{request.public_id}/")
    assert response.status_code == 200
    return response.content.decode()


# --- recategorise ----------------------------------------------------------------------------


def test_recategorise_keeps_shared_answers_reroutes_and_recounts_the_sla(
    client, city, sidewalk, staff
):
    request = submit_pothole(city, attributes={"depth": "deep"})
    assert request.department == city.streets
    event = changes.recategorise(
        request=request, service_type=sidewalk, actor=staff, note="It is the sidewalk."
    )
    request.refresh_from_db()
    assert request.service_type == sidewalk
    assert request.attributes == {"depth": "deep"}
    assert request.department == city.parks
    assert request.expected_at == request.requested_at + timedelta(hours=240)
    assert (event.kind, event.public, event.text) == (
        Event.Kind.RECATEGORISED,
        True,
        "It is the sidewalk.",
    )
    assert event.data["from"] == "Pothole" and event.data["to"] == "Sidewalk repair"
    assert event.data["department"] == "Parks"
    assert event.actor_user == staff
    page = public_page(client, request)
    assert "Changed from Pothole to Sidewalk repair" in page
    assert "It is the sidewalk." in page


def test_recategorise_drops_answers_the_new_type_does_not_take(city, sidewalk, staff):
    request = submit_pothole(city, attributes={"depth": "shallow"})  # not a sidewalk choice
    event = changes.recategorise(request=request, service_type=city.bulky, actor=staff)
    request.refresh_from_db()
    assert request.attributes == {}
    assert event.data["dropped"] == {"depth": "shallow"}
    assert request.expected_at is None  # bulky items has no target
    assert request.department == city.streets and "rerouted" not in event.data


def test_recategorise_keeps_a_department_assigned_by_hand(city, sidewalk, staff):
    request = submit_pothole(city)
    admin = UserFactory(role="admin", jurisdictions=[city.jurisdiction])
    actions.assign(request=request, actor=admin, department=city.streets, assignee=staff)
    # The same department (nothing to record), so assign a real change: parks, then back.
    actions.assign(request=request, actor=admin, department=city.parks)
    actions.assign(request=request, actor=admin, department=city.streets)
    changes.recategorise(request=request, service_type=sidewalk, actor=staff)
    request.refresh_from_db()
    assert request.department == city.streets and request.assignee == staff


def test_recategorise_follows_routing_rules_and_unassigns_who_can_no_longer_work_it(
    city, sidewalk, staff
):
    RoutingRule.objects.create(
        jurisdiction=city.jurisdiction,
        service_type=sidewalk,
        area=city.east,
        department=city.streets,
    )
    west = submit_pothole(city)
    east = submit_pothole(city, at=INSIDE_EAST)
    for request in (west, east):
        request.assignee = staff
        request.save()
    moved = changes.recategorise(request=west, service_type=sidewalk, actor=staff)
    stayed = changes.recategorise(request=east, service_type=sidewalk, actor=staff)
    west.refresh_from_db()
    east.refresh_from_db()
    assert (west.department, west.assignee) == (city.parks, None)
    assert moved.data["unassigned"] == "sam"
    assert (east.department, east.assignee) == (city.streets, staff)
    assert "unassigned" not in stayed.data


def test_recategorise_validation(city, sidewalk, staff):
    request = submit_pothole(city)
    other = make_city()
    retired = ServiceTypeFactory(jurisdiction=city.jurisdiction, name="Retired", active=False)
    cases = [
        (city.pothole, "The request is already Pothole."),
        (other.pothole, "Pothole is not a service of Testville."),
        (retired, "Retired no longer takes reports; choose an active service type."),
    ]
    for service_type, message in cases:
        with pytest.raises(ValidationError) as exc:
            changes.recategorise(request=request, service_type=service_type, actor=staff)
        assert exc.value.message_dict == {"service_type": [message]}
    with pytest.raises(ValidationError) as exc:
        changes.recategorise(request=request, service_type=sidewalk, actor=staff, note="x" * 4001)
    assert "Keep it under 4000 characters" in exc.value.message_dict["note"][0]
    assert not Event.objects.filter(request=request, kind=Event.Kind.RECATEGORISED).exists()


def test_recategorise_authority(city, sidewalk, outsiders):
    request = submit_pothole(city)
    assert_refused_to_all(
        outsiders,
        lambda user: changes.recategorise(request=request, service_type=sidewalk, actor=user),
        request,
    )
    request.refresh_from_db()
    assert request.service_type == city.pothole
    admin = UserFactory(role="admin", jurisdictions=[city.jurisdiction])
    changes.recategorise(request=request, service_type=sidewalk, actor=admin)


def test_recategorise_into_a_private_type_is_not_announced(city, staff):
    private = ServiceTypeFactory(
        jurisdiction=city.jurisdiction,
        name="Internal",
        public=False,
        default_department=city.streets,
    )
    request = submit_pothole(city)
    event = changes.recategorise(request=request, service_type=private, actor=staff)
    assert event.public is False


# --- relocate --------------------------------------------------------------------------------


def test_relocate_finds_the_areas_again_and_reroutes(client, city, staff):
    RoutingRule.objects.create(
        jurisdiction=city.jurisdiction,
        service_type=city.pothole,
        area=city.east,
        department=city.parks,
    )
    request = submit_pothole(city, address="1 West St", zipcode="90001", address_id="A1")
    event = changes.relocate(
        request=request,
        lat=INSIDE_EAST[0],
        long=INSIDE_EAST[1],
        address="9 East Ave",
        actor=staff,
        note="Moved to where the crew found it.",
    )
    request.refresh_from_db()
    assert (request.lat, request.long) == INSIDE_EAST
    assert (request.address, request.zipcode, request.address_id) == ("9 East Ave", "", "")
    assert list(RequestArea.objects.filter(request=request).values_list("area", flat=True)) == [
        city.east.pk
    ]
    assert request.department == city.parks
    assert (event.kind, event.public) == (Event.Kind.RELOCATED, True)
    assert event.data["from"] == {
        "lat": INSIDE_WEST[0],
        "long": INSIDE_WEST[1],
        "address": "1 West St",
    }
    assert event.data["to"] == {
        "lat": INSIDE_EAST[0],
        "long": INSIDE_EAST[1],
        "address": "9 East Ave",
    }
    assert event.data["department"] == "Parks"
    page = public_page(client, request)
    assert "Moved to 9 East Ave" in page and "East Ward" in page


def test_relocate_validation(city, staff):
    request = submit_pothole(city)
    with pytest.raises(ValidationError) as exc:
        changes.relocate(request=request, lat=OUTSIDE[0], long=OUTSIDE[1], actor=staff)
    assert "outside Testville" in exc.value.message_dict["location"][0]
    with pytest.raises(ValidationError) as exc:
        changes.relocate(request=request, lat="north", long=200, actor=staff)
    assert exc.value.message_dict == {
        "lat": ["Give the location as decimal degrees."],
        "long": ["200 is outside -180…180."],
    }
    with pytest.raises(ValidationError) as exc:
        changes.relocate(request=request, lat=INSIDE_WEST[0], long=INSIDE_WEST[1], actor=staff)
    assert exc.value.message_dict == {"location": ["The request is already at this place."]}
    with pytest.raises(ValidationError) as exc:
        changes.relocate(
            request=request, lat=INSIDE_EAST[0], long=INSIDE_EAST[1], address="a" * 301, actor=staff
        )
    assert "address" in exc.value.message_dict
    request.refresh_from_db()
    assert (request.lat, request.long) == INSIDE_WEST


def test_relocate_authority(city, outsiders):
    request = submit_pothole(city)
    assert_refused_to_all(
        outsiders,
        lambda user: changes.relocate(
            request=request, lat=INSIDE_EAST[0], long=INSIDE_EAST[1], actor=user
        ),
        request,
    )
    assert ServiceRequest.objects.get(pk=request.pk).long == INSIDE_WEST[1]


def public_outputs(client, request) -> str:
    """Everything the public reads about a request: its page, Open311 (with extensions),
    the REST API, the jurisdiction's feed."""
    slug = request.jurisdiction.slug
    urls = [
        f"/requests/{request.public_id}/",
        f"/open311/v2/requests/{request.public_id}.json?jurisdiction_id={slug}&extensions=true",
        f"/open311/v2/requests.json?jurisdiction_id={slug}&extensions=true",
        f"/api/v1/requests/{request.public_id}",
        f"/api/v1/requests?jurisdiction={slug}",
        f"/feeds/{slug}/",
    ]
    pages = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        pages.append(response.content.decode())
    return "\n".join(pages)


# --- priority --------------------------------------------------------------------------------


def test_set_priority_is_internal(client, city, staff):
    request = submit_pothole(city)
    updated = ServiceRequest.objects.get(pk=request.pk).updated_at
    event = changes.set_priority(
        request=request, priority=3, actor=staff, reason="School crossing PRIOMARK"
    )
    request.refresh_from_db()
    assert request.priority == 3
    assert request.updated_at == updated
    assert (event.kind, event.public, event.data) == (
        Event.Kind.PRIORITY_CHANGED,
        False,
        {"from": 0, "to": 3},
    )
    assert event.text == "School crossing PRIOMARK" and event.actor_user == staff
    assert "PRIOMARK" not in public_outputs(client, request)
    changes.set_priority(request=request, priority="-2", actor=staff)
    request.refresh_from_db()
    assert request.priority == -2


@pytest.mark.parametrize("priority", [4, -3, "high", "", None, 1.5, True])
def test_set_priority_is_bounded(city, staff, priority):
    request = submit_pothole(city)
    with pytest.raises(ValidationError) as exc:
        changes.set_priority(request=request, priority=priority, actor=staff)
    assert exc.value.message_dict == {
        "priority": ["Give the priority as a whole number from -2 (can wait) to 3 (urgent)."]
    }


def test_set_priority_validation(city, staff):
    request = submit_pothole(city)
    with pytest.raises(ValidationError) as exc:
        changes.set_priority(request=request, priority=0, actor=staff)
    assert exc.value.message_dict == {"priority": ["The priority is already 0 (normal)."]}
    with pytest.raises(ValidationError) as exc:
        changes.set_priority(request=request, priority=1, actor=staff, reason="r" * 501)
    assert exc.value.message_dict == {"reason": ["Keep the reason under 500 characters."]}


def test_set_priority_authority(city, outsiders):
    request = submit_pothole(city)
    assert_refused_to_all(
        outsiders,
        lambda user: changes.set_priority(request=request, priority=2, actor=user),
        request,
    )
    assert ServiceRequest.objects.get(pk=request.pk).priority == 0
