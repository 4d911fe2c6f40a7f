"""Routing agrees with the cities' own labels, on their real requests and polygons."""

import pytest
from django.db.models import F

from fixboard.places.actions import create_jurisdiction, import_areas, read_feature_collection
from fixboard.places.models import Area
from fixboard.reports.models import RequestArea, ServiceRequest
from tests.reports.test_import_helpers import (
    LA_2017,
    LA_2020,
    SF,
    data_rows,
    los_angeles,
    run_import,
    san_francisco,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def _codes_by_source_id(city, kind: str) -> dict[str, str]:
    return dict(
        RequestArea.objects.filter(request__jurisdiction=city, area__kind=kind).values_list(
            F("request__source_id"), F("area__code")
        )
    )


def _agreement(labels: dict[str, str], routed: dict[str, str]) -> float:
    labelled = {sid: label for sid, label in labels.items() if label and sid in routed}
    agree = sum(routed[sid] == label for sid, label in labelled.items())
    return agree / len(labelled)


@pytest.mark.parametrize(
    ("path", "mapping", "id_column", "cd_column", "nc_column"),
    [
        pytest.param(LA_2017, "la-2017", "SRNumber", "CD", "NC", id="la-2017"),
        pytest.param(LA_2020, "la-2020", "srnumber", "cd", "nc", id="la-2020"),
    ],
)
def test_la_council_districts_and_neighborhood_councils_match_the_citys_labels(
    shared_data, path, mapping, id_column, cd_column, nc_column
):
    city = los_angeles(shared_data)
    rows = data_rows(shared_data / path)
    run_import(shared_data / path, city, mapping)

    districts = _codes_by_source_id(city, "council-district")
    councils = _codes_by_source_id(city, "neighborhood-council")
    cd_labels = {r[id_column]: r[cd_column].strip() for r in rows}
    nc_labels = {r[id_column]: r[nc_column].strip() for r in rows}

    assert len(districts) > 8000
    assert _agreement(cd_labels, districts) >= 0.995
    assert _agreement(nc_labels, councils) >= 0.985


def test_sf_points_fall_inside_the_sf_tracts(shared_data):
    city = san_francisco(shared_data)
    rows = data_rows(shared_data / SF)
    with_point = [r for r in rows if r["Point"].strip()]

    result = run_import(shared_data / SF, city, "sf")

    inside = ServiceRequest.objects.filter(jurisdiction=city, areas__kind="tract").distinct()
    assert inside.count() == result.created
    assert result.created / len(with_point) >= 0.999
    assert result.skipped["outside the jurisdiction"] == len(with_point) - result.created


def test_invalid_la_neighborhood_council_polygons_of_2021_are_repaired_and_reported(shared_data):
    city = create_jurisdiction(slug="la-2021", name="Los Angeles", timezone="America/Los_Angeles")
    features = read_feature_collection(
        shared_data / "geo/la/la-neighborhood-councils-2021-01-22.geojson"
    )

    result = import_areas(
        jurisdiction=city,
        features=features,
        kind="neighborhood-council",
        name_property="name",
        code_property="nc_id",
    )

    assert result.created == 99
    assert result.repaired == ["HARBOR GATEWAY SOUTH NC"]  # it self-intersects
    repaired = Area.objects.get(jurisdiction=city, repaired=True)
    assert repaired.name == "HARBOR GATEWAY SOUTH NC" and repaired.geometry.is_valid
