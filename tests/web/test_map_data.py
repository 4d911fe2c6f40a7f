"""The map's data, asked at every move: filtered like the map page, read with few queries."""

from datetime import timedelta

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fixboard.maps.aggregates import rebuild_map_aggregates
from fixboard.maps.models import MapPoint
from fixboard.reports.actions import submit_request
from tests.factories import INSIDE_EAST, INSIDE_WEST, submit_pothole
from tests.plans import load_potholes, plans_of

pytestmark = pytest.mark.django_db

WHOLE_CITY = {"south": 33.9, "west": -118.4, "north": 34.2, "east": -118.0, "zoom": 10}


@pytest.fixture
def reports(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        west = submit_pothole(city, at=INSIDE_WEST)
        east = submit_pothole(city, at=INSIDE_EAST)
        bulky = submit_request(
            service_type=city.bulky,
            lat=INSIDE_EAST[0],
            long=INSIDE_EAST[1],
            attributes={"items": "2"},
            actor=None,
        )
    return west, east, bulky


def map_data(client, city, **filters) -> dict:
    response = client.get(f"/{city.jurisdiction.slug}/map.json", {**WHOLE_CITY, **filters})
    assert response.status_code == 200
    return orjson.loads(response.content)


def shown(data) -> set[str]:
    return {p["id"] for p in data["points"]}


def test_the_whole_city_takes_four_queries(client, city, reports):
    with CaptureQueriesContext(connection) as queries:
        data = map_data(client, city)

    assert shown(data) == {r.public_id for r in reports}
    # The city, the open cells, the recently fixed points in view, then the few points.
    assert len(queries) == 4


def test_every_request_takes_three_queries(client, city, reports):
    with CaptureQueriesContext(connection) as queries:
        data = map_data(client, city, status="")

    assert shown(data) == {r.public_id for r in reports}
    assert len(queries) == 3  # the city, the counted cells, then the few points


def test_service_and_area_filters_read_only_what_they_name(client, city, reports):
    west, east, bulky = reports

    assert shown(map_data(client, city, service="bulky-items")) == {bulky.public_id}
    assert shown(map_data(client, city, area=city.east.pk)) == {east.public_id, bulky.public_id}
    assert shown(map_data(client, city, service="pothole", area=city.west.pk)) == {west.public_id}


def test_an_unknown_filter_value_is_ignored_like_on_the_map_page(client, city, reports):
    assert len(map_data(client, city, service="graffiti")["points"]) == 3
    assert len(map_data(client, city, area="999999")["points"]) == 3


def test_a_whole_city_of_open_requests_of_one_type_reads_the_open_points(client, city):
    # Too few for cells, spread over the whole city: the index of open points, not the
    # (jurisdiction, position) range of every point.
    load_potholes(city, count=500, open_every=25, at=INSIDE_WEST)
    rebuild_map_aggregates(city.jurisdiction)

    plans = plans_of(lambda: map_data(client, city, service="pothole", status="open"))

    assert len(plans) == 4  # the city, the service, the counted cells, the points
    assert "map_point_open" in plans[3], plans[3]
    data = map_data(client, city, service="pothole", status="open")
    assert data["mode"] == "points"
    assert len(data["points"]) == 20
    assert all(p["open"] for p in data["points"])


def test_the_lately_fixed_come_from_their_own_index(client, city):
    # Zoomed out, the default view adds the requests fixed in the last 30 days (a few in a
    # city's history) to the open cells: read through the index of fixed points, not every
    # point of the city.
    load_potholes(city, count=500, open_every=25, at=INSIDE_WEST)
    rebuild_map_aggregates(city.jurisdiction)
    lately = list(MapPoint.objects.filter(is_open=False).values_list("pk", flat=True)[:12])
    MapPoint.objects.filter(pk__in=lately).update(fixed_at=timezone.now() - timedelta(days=2))

    plans = plans_of(lambda: map_data(client, city))

    fixed = [p for p in plans if "map_point" in p and "map_point_open" not in p]
    assert any("map_point_fixed" in p for p in fixed), plans
    data = map_data(client, city)
    assert data["total"] == 20 + 12  # the open ones and the lately fixed
