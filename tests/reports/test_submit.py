from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from fixboard.reports.models import Channel, Event, ServiceRequest, Status
from fixboard.reports.public_ids import normalize_public_id
from tests.factories import INSIDE_EAST, INSIDE_WEST, OUTSIDE, submit_pothole

pytestmark = pytest.mark.django_db


def test_submit_routes_to_ward_and_department_and_records_event(city):
    request = submit_pothole(city, email="ana@example.org")

    assert request.status == Status.NEW
    assert list(request.areas.all()) == [city.west]
    assert request.department == city.streets
    assert request.attributes == {"depth": "deep"}
    assert request.expected_at == request.requested_at + timedelta(hours=72)
    assert request.reporter.email == "ana@example.org"
    event = request.events.get()
    assert event.kind == Event.Kind.SUBMITTED
    assert event.actor_contact == request.reporter
    assert event.data == {"channel": Channel.WEB}


def test_public_id_is_phone_friendly_and_forgiving(city):
    request = submit_pothole(city)
    assert len(request.public_id) == 9 and request.public_id[4] == "-"
    spoken = request.public_id.replace("-", " ").lower().replace("0", "o").replace("1", "l")
    assert normalize_public_id(spoken) == request.public_id


def test_point_outside_the_city_is_a_clear_error(city):
    with pytest.raises(ValidationError) as exc:
        submit_pothole(city, at=OUTSIDE)
    assert "outside Testville" in exc.value.message_dict["location"][0]
    assert not ServiceRequest.objects.exists()


def test_invalid_answers_and_coordinates_are_reported_field_by_field(city):
    with pytest.raises(ValidationError) as exc:
        submit_pothole(city, at=(95, "west"), attributes={"depth": "bottomless", "colour": "red"})
    errors = exc.value.message_dict
    assert "is outside" in errors["lat"][0]
    assert "decimal degrees" in errors["long"][0]
    assert "not one of the choices" in errors["attribute[depth]"][0]
    assert "no question colour" in errors["attribute[colour]"][0]
    assert not ServiceRequest.objects.exists()
    assert not Event.objects.exists()


def test_required_number_answer(city):
    from fixboard.reports.actions import submit_request

    with pytest.raises(ValidationError) as exc:
        submit_request(
            service_type=city.bulky,
            lat=INSIDE_EAST[0],
            long=INSIDE_EAST[1],
            attributes={},
            actor=None,
        )
    assert exc.value.message_dict == {"attribute[items]": ["Please answer: How many items?"]}
    request = submit_request(
        service_type=city.bulky,
        lat=INSIDE_EAST[0],
        long=INSIDE_EAST[1],
        attributes={"items": "3"},
        actor=None,
    )
    assert request.attributes == {"items": 3}
    assert list(request.areas.all()) == [city.east]


def test_routing_rule_by_area_overrides_default(city):
    from fixboard.catalog.models import RoutingRule

    RoutingRule.objects.create(
        jurisdiction=city.jurisdiction,
        service_type=city.pothole,
        area=city.east,
        department=city.parks,
    )
    assert submit_pothole(city, at=INSIDE_EAST).department == city.parks
    assert submit_pothole(city, at=INSIDE_WEST).department == city.streets


def test_oversize_description_rejected(city):
    with pytest.raises(ValidationError) as exc:
        submit_pothole(city, description="x" * 4001)
    assert "4000" in exc.value.message_dict["description"][0]


def test_address_id_is_kept_trimmed(city):
    request = submit_pothole(city, address_id=" MAR-545483 ")
    request.refresh_from_db()
    assert request.address_id == "MAR-545483"
    assert submit_pothole(city).address_id == ""
