"""Map counts kept current by the event receiver, and rebuilt in bulk the same way."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fixboard.maps.aggregates import LEVELS, rebuild_map_aggregates
from fixboard.maps.models import MapCell
from fixboard.maps.selectors import POINT_LIMIT, MapQuery, map_features
from fixboard.reports.actions import transition
from fixboard.reports.models import CloseReason, Status
from fixboard.reports.selectors import public_requests
from tests.factories import INSIDE_EAST, INSIDE_WEST, submit_pothole

pytestmark = pytest.mark.django_db

WHOLE_CITY = {"south": 33.9, "west": -118.4, "north": 34.2, "east": -118.0}


def cells(jurisdiction) -> set[tuple]:
    return set(
        MapCell.objects.filter(jurisdiction=jurisdiction, count__gt=0).values_list(
            "level", "cell_x", "cell_y", "service_type_id", "is_open", "count"
        )
    )


def test_counts_follow_submission_and_close(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit_pothole(city)
        submit_pothole(city, at=INSIDE_EAST)
    coarse = MapCell.objects.filter(jurisdiction=city.jurisdiction, level=LEVELS[0])
    assert sum(c.count for c in coarse if c.is_open) == 2

    with django_capture_on_commit_callbacks(execute=True):
        transition(
            request=request, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor=None
        )

    coarse = MapCell.objects.filter(jurisdiction=city.jurisdiction, level=LEVELS[0])
    assert sum(c.count for c in coarse if c.is_open) == 1
    assert sum(c.count for c in coarse if not c.is_open) == 1


def test_requests_awaiting_confirmation_are_not_counted(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit_pothole(city, email="a@example.org", awaiting_confirmation=True)
    assert cells(city.jurisdiction) == set()


def test_rebuild_gives_the_same_counts_as_the_receiver(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for at in (INSIDE_WEST, INSIDE_WEST, INSIDE_EAST):
            submit_pothole(city, at=at)
    incremental = cells(city.jurisdiction)

    assert rebuild_map_aggregates(city.jurisdiction) == 3
    assert cells(city.jurisdiction) == incremental


def test_zoomed_out_map_reads_cells_not_requests(
    city, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        submit_pothole(city)
        submit_pothole(city, at=INSIDE_EAST)

    with CaptureQueriesContext(connection) as queries:
        data = map_features(city.jurisdiction, MapQuery(**WHOLE_CITY, zoom=10))

    assert data["total"] == 2
    cell_queries = [q["sql"] for q in queries.captured_queries if "maps_mapcell" in q["sql"]]
    assert cell_queries, "the counts come from the maintained cells"
    assert data["mode"] == "points"  # two requests are few enough to show one by one


def test_many_requests_come_back_as_cells(city, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr("fixboard.maps.selectors.POINT_LIMIT", 1)
    with django_capture_on_commit_callbacks(execute=True):
        submit_pothole(city)
        submit_pothole(city, at=INSIDE_EAST)

    data = map_features(city.jurisdiction, MapQuery(**WHOLE_CITY, zoom=10))

    assert data["mode"] == "cells"
    assert sorted(c[2] for c in data["cells"]) == [1, 1] or sum(c[2] for c in data["cells"]) == 2
    assert POINT_LIMIT > 1


def test_filters_by_status_and_area(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        closed = submit_pothole(city)
        submit_pothole(city, at=INSIDE_EAST)
        transition(
            request=closed, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor=None
        )

    open_only = map_features(city.jurisdiction, MapQuery(**WHOLE_CITY, zoom=10, status="open"))
    in_west = map_features(city.jurisdiction, MapQuery(**WHOLE_CITY, zoom=10, area_id=city.west.pk))

    assert [p["id"] for p in open_only["points"]] != [closed.public_id]
    assert open_only["total"] == 1
    assert [p["id"] for p in in_west["points"]] == [closed.public_id]


@pytest.mark.slow
def test_a_real_import_fills_the_map_counts(shared_data, django_capture_on_commit_callbacks):
    from tests.reports.test_import_helpers import LA_2020, los_angeles, run_import

    city = los_angeles(shared_data, neighborhood_councils=False)
    with django_capture_on_commit_callbacks(execute=True):
        run_import(shared_data / LA_2020, city, "la-2020")

    public = public_requests().filter(jurisdiction=city)
    whole = MapQuery(south=33.6, west=-118.8, north=34.4, east=-118.1, zoom=9)
    data = map_features(city, whole)
    assert data["mode"] == "cells"
    assert data["total"] == public.count() > 9000
    open_only = map_features(city, MapQuery(**{**whole.__dict__, "status": "open"}))
    assert open_only["total"] == public.exclude(status=Status.CLOSED).count()
