"""Map counts kept current by the event receiver, and rebuilt in bulk the same way."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fixboard.maps.aggregates import LEVELS, cell_of, count_request, rebuild_map_aggregates
from fixboard.maps.models import MapCell, MapPoint
from fixboard.maps.selectors import POINT_LIMIT, MapQuery, map_features
from fixboard.reports.actions import submit_request, transition
from fixboard.reports.models import CloseReason, ServiceRequest, Status
from fixboard.reports.selectors import public_requests
from tests.factories import INSIDE_EAST, INSIDE_WEST, submit_pothole

pytestmark = pytest.mark.django_db

# Exactly on the edges of cells of every level: 34.048828125 and -118.125 are multiples of
# the finest cell size (45/4096 degrees) away from -90 and -180.
ON_EDGES = (34.048828125, -118.125)
SPREAD = [(34.0001, -118.2999), (34.0999, -118.1001), (34.03, -118.21), INSIDE_WEST, INSIDE_EAST]
WHOLE_CITY = {"south": 33.9, "west": -118.4, "north": 34.2, "east": -118.0}


def cells_with_sums(jurisdiction) -> set[tuple]:
    # The database may add the coordinates up in another order than the receiver did.
    return {
        (*key, round(sum_lat, 6), round(sum_long, 6))
        for *key, sum_lat, sum_long in MapCell.objects.filter(
            jurisdiction=jurisdiction, count__gt=0
        ).values_list(
            "level",
            "cell_x",
            "cell_y",
            "service_type_id",
            "is_open",
            "count",
            "sum_lat",
            "sum_long",
        )
    }


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


def test_a_submission_is_counted_in_its_own_transaction(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        request = submit_pothole(city)
    # Counted before anything ran on commit: the count commits (or rolls back) with it.
    assert MapPoint.objects.filter(request=request, is_open=True).exists()
    assert len(cells(city.jurisdiction)) == len(LEVELS)
    with django_capture_on_commit_callbacks(execute=True):
        for callback in after_commit:
            callback()
    assert len(cells(city.jurisdiction)) == len(LEVELS), "counted once, not again on commit"


@pytest.mark.django_db(transaction=True)
def test_a_failed_count_leaves_no_request(city, monkeypatch):
    def broken(request):
        raise RuntimeError("map counts unavailable")

    monkeypatch.setattr("fixboard.maps.receivers.count_new_request", broken)
    with pytest.raises(RuntimeError):
        submit_pothole(city)
    assert not ServiceRequest.objects.exists()


def test_a_request_moved_within_its_cells_keeps_its_count(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit_pothole(city)
    ServiceRequest.objects.filter(pk=request.pk).update(lat=request.lat + 1e-7)
    count_request(request.pk)
    coarse = MapCell.objects.get(jurisdiction=city.jurisdiction, level=LEVELS[0])
    assert coarse.count == 1
    assert coarse.sum_lat == pytest.approx(request.lat + 1e-7)


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


def submit_mixture(city) -> list:
    """Requests of both types, open and closed, hidden from the map or not, on cell edges."""
    requests = [submit_pothole(city, at=at) for at in (*SPREAD, ON_EDGES, ON_EDGES)]
    requests.append(
        submit_request(
            service_type=city.bulky,
            lat=ON_EDGES[0],
            long=ON_EDGES[1],
            attributes={"items": "3"},
            description="A sofa",
            reporter=None,
            actor=None,
        )
    )
    submit_pothole(city, email="a@example.org", awaiting_confirmation=True)
    for request in requests[::3]:
        transition(
            request=request, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor=None
        )
    return requests


def test_rebuild_matches_the_receiver_at_every_level(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        requests = submit_mixture(city)
    incremental = cells_with_sums(city.jurisdiction)
    MapCell.objects.filter(jurisdiction=city.jurisdiction).update(count=99)

    with CaptureQueriesContext(connection) as queries:
        counted = rebuild_map_aggregates(city.jurisdiction)

    assert counted == len(requests)
    assert cells_with_sums(city.jurisdiction) == incremental
    assert {level for level, *_ in incremental} == set(LEVELS)
    # Set-based: the same statements, one per level and a few more, for twice the requests.
    with django_capture_on_commit_callbacks(execute=True):
        submit_mixture(city)
    with CaptureQueriesContext(connection) as again:
        assert rebuild_map_aggregates(city.jurisdiction) == 2 * len(requests)
    assert len(again) == len(queries) <= len(LEVELS) + 8


def test_the_rebuild_catches_up_with_requests_changed_without_events(
    city, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        requests = submit_mixture(city)
    moved, closed, hidden = requests[1], requests[2], requests[4]
    # What a bulk import does: rows written directly, no event, so no receiver runs.
    ServiceRequest.objects.filter(pk=moved.pk).update(lat=ON_EDGES[0], long=ON_EDGES[1])
    ServiceRequest.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    ServiceRequest.objects.filter(pk=hidden.pk).update(hidden=True)
    rebuild_map_aggregates(city.jurisdiction)
    caught_up = cells_with_sums(city.jurisdiction)
    points = set(MapPoint.objects.values_list("request_id", "is_open", "lat"))

    MapCell.objects.all().delete()
    MapPoint.objects.all().delete()
    assert rebuild_map_aggregates(city.jurisdiction) == len(requests) - 1
    assert cells_with_sums(city.jurisdiction) == caught_up
    assert set(MapPoint.objects.values_list("request_id", "is_open", "lat")) == points
    assert (moved.pk, True, ON_EDGES[0]) in points
    assert (closed.pk, False, closed.lat) in points


def test_the_rebuild_puts_each_request_in_its_python_cell(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit_pothole(city, at=ON_EDGES)
    rebuild_map_aggregates(city.jurisdiction)

    found = set(cells(city.jurisdiction))
    expected = {(level, *cell_of(level, *ON_EDGES), city.pothole.pk, True, 1) for level in LEVELS}
    assert found == expected


def test_the_receiver_keeps_counting_after_a_rebuild(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first, _second = submit_pothole(city), submit_pothole(city, at=INSIDE_EAST)
    rebuild_map_aggregates(city.jurisdiction)

    with django_capture_on_commit_callbacks(execute=True):
        transition(
            request=first, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor=None
        )
        submit_pothole(city, at=ON_EDGES)
    kept = cells(city.jurisdiction)

    rebuild_map_aggregates(city.jurisdiction)
    assert cells(city.jurisdiction) == kept
    coarse = MapCell.objects.filter(jurisdiction=city.jurisdiction, level=LEVELS[0])
    assert sum(c.count for c in coarse if c.is_open) == 2
    assert sum(c.count for c in coarse if not c.is_open) == 1


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
