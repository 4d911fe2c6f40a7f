"""A request nobody pinpointed: its address, never the city centre it stands at."""

import orjson
import pytest

from fixboard.reports.actions import submit_request
from tests.factories import submit_pothole

pytestmark = pytest.mark.django_db

WHOLE_CITY = {"south": 33.9, "west": -118.4, "north": 34.2, "east": -118.0, "zoom": 10}


def unplaced(city):
    return submit_request(
        service_type=city.pothole,
        lat=None,
        long=None,
        address="Corner of Elm and 3rd, by the school",
        attributes={"depth": "deep"},
        actor=None,
        pinpointed=False,
    )


def test_the_request_page_says_so_and_shows_the_address_without_a_map(client, city):
    request = unplaced(city)

    html = client.get(request.get_absolute_url()).content.decode()

    assert "Location not pinpointed" in html
    assert "Corner of Elm and 3rd, by the school" in html
    assert 'id="small-map"' not in html
    assert f"{request.lat:.5f}" not in html


def test_a_pinpointed_request_page_keeps_its_map(client, city):
    request = submit_pothole(city)

    html = client.get(request.get_absolute_url()).content.decode()

    assert 'id="small-map"' in html and "Location not pinpointed" not in html


def test_the_map_data_leaves_it_off(client, city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        placed = submit_pothole(city)
        unplaced(city)

    for status in ("", "recent", "new"):  # counted tables and the requests table alike
        response = client.get(
            f"/{city.jurisdiction.slug}/map.json", {**WHOLE_CITY, "status": status}
        )
        data = orjson.loads(response.content)
        assert [p["id"] for p in data["points"]] == [placed.public_id], status
        assert data["total"] == 1
