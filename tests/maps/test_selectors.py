"""Close-in maps read the maintained points; only other filters go to the requests table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fixboard.maps.aggregates import LEVELS
from fixboard.maps.selectors import POINTS_ZOOM, MapQuery, map_features
from fixboard.reports.actions import transition
from fixboard.reports.models import CloseReason, Status
from tests.factories import submit_pothole

pytestmark = pytest.mark.django_db

# A street-sized viewport around the factories' INSIDE_WEST.
STREET = {"south": 34.049, "west": -118.251, "north": 34.051, "east": -118.249}
NEAR = [(34.0495, -118.2505), (34.0500, -118.2500), (34.0505, -118.2495)]


@pytest.fixture
def street(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        requests = [submit_pothole(city, at=at) for at in NEAR]
        submit_pothole(city, at=NEAR[0], email="a@example.org", awaiting_confirmation=True)
        transition(
            request=requests[0], to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor=None
        )
    return requests


def tables_read(queries) -> set[str]:
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    tables = ("maps_mapcell", "maps_mappoint", "reports_servicerequest")
    return {table for table in tables if table in sql}


def test_street_level_cells_are_maintained_counts(city, street, monkeypatch):
    monkeypatch.setattr("fixboard.maps.selectors.POINT_LIMIT", 1)

    with CaptureQueriesContext(connection) as queries:
        data = map_features(city.jurisdiction, MapQuery(**STREET, zoom=LEVELS[-1]))

    assert data["mode"] == "cells"
    assert data["total"] == 3
    assert sum(cell[3] for cell in data["cells"]) == 2  # open ones
    assert tables_read(queries) == {"maps_mapcell"}


def test_closer_in_the_points_come_newest_first_from_the_points(city, street, monkeypatch):
    monkeypatch.setattr("fixboard.maps.selectors.POINT_LIMIT", 2)

    with CaptureQueriesContext(connection) as queries:
        data = map_features(city.jurisdiction, MapQuery(**STREET, zoom=POINTS_ZOOM))

    assert data["mode"] == "points"
    assert data["total"] == 3  # all in view, though only the newest are sent
    assert [p["id"] for p in data["points"]] == [r.public_id for r in street[:0:-1]]
    assert data["points"][0]["service"] == "Pothole"
    # The points lead: the requests table is only joined for what the points do not hold.
    assert all("maps_mappoint" in q["sql"] for q in queries.captured_queries)


def test_open_filter_and_service_filter_apply_to_the_points(city, street):
    open_only = map_features(city.jurisdiction, MapQuery(**STREET, zoom=POINTS_ZOOM, status="open"))
    other_service = map_features(
        city.jurisdiction, MapQuery(**STREET, zoom=POINTS_ZOOM, service_type_ids=(city.bulky.pk,))
    )

    assert {p["id"] for p in open_only["points"]} == {r.public_id for r in street[1:]}
    assert other_service == {"mode": "points", "total": 0, "points": []}


def test_a_precise_status_reads_the_requests_table(city, street):
    with CaptureQueriesContext(connection) as queries:
        data = map_features(
            city.jurisdiction, MapQuery(**STREET, zoom=POINTS_ZOOM, status=Status.CLOSED)
        )

    assert [p["id"] for p in data["points"]] == [street[0].public_id]
    assert "reports_servicerequest" in tables_read(queries)
