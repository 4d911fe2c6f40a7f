"""The map's default view: open requests and those fixed lately; unplaced requests left off."""

from datetime import timedelta

import pytest
from django.utils import timezone

from fixboard.maps.aggregates import LEVELS, rebuild_map_aggregates
from fixboard.maps.models import MapCell, MapPoint
from fixboard.maps.selectors import RECENT, MapQuery, map_features
from fixboard.reports.actions import submit_request, transition
from fixboard.reports.changes import relocate
from fixboard.reports.models import Status
from tests.factories import INSIDE_EAST, INSIDE_WEST, submit_pothole

pytestmark = pytest.mark.django_db

WHOLE_CITY = {"south": 33.9, "west": -118.4, "north": 34.2, "east": -118.0}


@pytest.fixture
def mix(city, django_capture_on_commit_callbacks):
    """One open, one fixed yesterday, one fixed 40 days ago, one closed as not actionable."""
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        opened = submit_pothole(city)
        fixed = submit_pothole(city, at=INSIDE_EAST)
        old = submit_pothole(city, at=(34.06, -118.26), requested_at=now - timedelta(days=60))
        dup = submit_pothole(city, at=(34.07, -118.16))
        for request, reason, days in (
            (fixed, "fixed", 1),
            (old, "fixed", 40),
            (dup, "not_actionable", 1),
        ):
            transition(
                request=request,
                to_status=Status.CLOSED,
                close_reason=reason,
                actor=None,
                at=now - timedelta(days=days),
            )
    return opened, fixed, old, dup


def ids(data) -> set[str]:
    return {p["id"] for p in data["points"]}


def test_the_default_shows_open_and_lately_fixed_requests(city, mix):
    opened, fixed, _old, _dup = mix

    data = map_features(city.jurisdiction, MapQuery(**WHOLE_CITY, zoom=10, status=RECENT))

    assert ids(data) == {opened.public_id, fixed.public_id}
    assert data["total"] == 2


def test_zoomed_out_cells_count_open_and_lately_fixed(city, mix, monkeypatch):
    monkeypatch.setattr("fixboard.maps.selectors.POINT_LIMIT", 1)

    for zoom in (LEVELS[0], 10, LEVELS[-1]):
        data = map_features(city.jurisdiction, MapQuery(**WHOLE_CITY, zoom=zoom, status=RECENT))
        assert data["mode"] == "cells"
        assert sum(c[2] for c in data["cells"]) == 2, zoom
        assert sum(c[3] for c in data["cells"]) == 1, zoom  # one of them open


def test_all_statuses_still_show_everything(city, mix):
    data = map_features(city.jurisdiction, MapQuery(**WHOLE_CITY, zoom=10))

    assert ids(data) == {r.public_id for r in mix}


def test_an_area_filter_keeps_the_default(city, mix):
    opened, fixed, _old, _dup = mix

    data = map_features(
        city.jurisdiction, MapQuery(**WHOLE_CITY, zoom=10, status=RECENT, area_id=city.west.pk)
    )

    assert ids(data) == {opened.public_id}


def test_a_reopened_request_loses_its_fixed_date(city, mix, django_capture_on_commit_callbacks):
    _opened, fixed, old, _dup = mix
    assert MapPoint.objects.get(request=old).fixed_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        transition(request=old, to_status=Status.IN_PROGRESS, actor=None)

    fixed.refresh_from_db()
    assert MapPoint.objects.get(request=old).fixed_at is None
    assert MapPoint.objects.get(request=fixed).fixed_at == fixed.closed_at


def test_the_rebuild_writes_the_same_fixed_dates(city, mix):
    before = set(MapPoint.objects.values_list("request_id", "is_open", "fixed_at"))
    MapPoint.objects.update(fixed_at=None)

    rebuild_map_aggregates(city.jurisdiction)

    assert set(MapPoint.objects.values_list("request_id", "is_open", "fixed_at")) == before


def unplaced(city):
    return submit_request(
        service_type=city.pothole,
        lat=None,
        long=None,
        address="12 Nowhere Lane",
        attributes={"depth": "deep"},
        actor=None,
        pinpointed=False,
    )


def test_a_request_nobody_pinpointed_is_left_off_the_map(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        placed = submit_pothole(city)
        request = unplaced(city)

    data = map_features(city.jurisdiction, MapQuery(**WHOLE_CITY, zoom=10, status=""))

    assert ids(data) == {placed.public_id}
    assert not MapPoint.objects.filter(request=request).exists()
    coarse = MapCell.objects.filter(jurisdiction=city.jurisdiction, level=LEVELS[0])
    assert sum(c.count for c in coarse) == 1
    rebuild_map_aggregates(city.jurisdiction)
    assert sum(c.count for c in coarse.all()) == 1


def test_once_staff_place_it_it_is_on_the_map(city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = unplaced(city)
    with django_capture_on_commit_callbacks(execute=True):
        relocate(request=request, lat=INSIDE_WEST[0], long=INSIDE_WEST[1], actor=None)

    data = map_features(city.jurisdiction, MapQuery(**WHOLE_CITY, zoom=10, status=""))

    assert ids(data) == {request.public_id}
