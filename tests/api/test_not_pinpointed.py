"""REST: a request nobody pinpointed has no position, and says why."""

import pytest

from fixboard.reports.actions import submit_request
from fixboard.reports.changes import relocate
from tests.factories import INSIDE_WEST, submit_pothole

pytestmark = pytest.mark.django_db


@pytest.fixture
def unplaced(city):
    return submit_request(
        service_type=city.pothole,
        lat=None,
        long=None,
        address="Corner of Elm and 3rd",
        attributes={"depth": "deep"},
        actor=None,
        pinpointed=False,
    )


def test_lists_and_the_detail_give_no_position(client, city, unplaced):
    placed = submit_pothole(city)

    items = {i["id"]: i for i in client.get("/api/v1/requests").json()["items"]}
    detail = client.get(f"/api/v1/requests/{unplaced.public_id}").json()

    for record in (items[unplaced.public_id], detail):
        assert (record["lat"], record["long"], record["pinpointed"]) == (None, None, False)
        assert record["address"] == "Corner of Elm and 3rd"
    assert items[placed.public_id]["pinpointed"] is True
    assert items[placed.public_id]["lat"] == placed.lat


def test_a_box_around_the_city_centre_does_not_find_it(client, city, unplaced):
    box = (
        f"{unplaced.long - 0.01},{unplaced.lat - 0.01},{unplaced.long + 0.01},{unplaced.lat + 0.01}"
    )

    assert client.get("/api/v1/requests", {"bbox": box}).json()["items"] == []
    nearby = client.get(
        "/api/v1/requests/nearby",
        {"service_code": "pothole", "lat": unplaced.lat, "long": unplaced.long, "radius": 100},
    )
    assert nearby.status_code == 200 and nearby.json()["items"] == []


def test_once_placed_it_has_its_position(client, city, unplaced):
    relocate(request=unplaced, lat=INSIDE_WEST[0], long=INSIDE_WEST[1], actor="staff")

    detail = client.get(f"/api/v1/requests/{unplaced.public_id}").json()

    assert (detail["lat"], detail["long"], detail["pinpointed"]) == (*INSIDE_WEST, True)
