import numpy as np
import pytest
from django.core.exceptions import ValidationError

from fixboard.places.actions import create_jurisdiction, import_areas, read_feature_collection
from fixboard.places.models import Area
from fixboard.places.spatial import area_index, jurisdiction_area_index
from tests.factories import EAST, INSIDE_EAST, INSIDE_WEST, OUTSIDE, WEST, feature, make_city

pytestmark = pytest.mark.django_db


def test_locate_point_in_ward_and_outside(city):
    index = area_index()
    assert index.locate(*INSIDE_WEST).area_ids == (city.west.pk,)
    assert index.locate(*INSIDE_EAST).jurisdiction_id == city.jurisdiction.pk
    assert index.locate(*OUTSIDE).jurisdiction_id is None


def test_locate_many_matches_single_lookups(city):
    rng = np.random.default_rng(7)
    lats = rng.uniform(33.95, 34.15, 2000)
    longs = rng.uniform(-118.35, -118.05, 2000)
    routed = area_index().locate_many(lats, longs, city.jurisdiction.pk)
    assert routed.kinds == ["ward"]
    for i in range(0, 2000, 97):
        single = area_index().locate(lats[i], longs[i])
        assert (single.jurisdiction_id == city.jurisdiction.pk) == routed.inside[i]
        assert list(single.area_ids) == [a for a in routed.area_ids[i] if a >= 0]
    inside = (lats > 34.0) & (lats < 34.1) & (longs > -118.3) & (longs < -118.1)
    assert (routed.inside == inside).all()
    west = (lats > 34.0) & (lats < 34.1) & (longs > -118.3) & (longs < -118.2)
    assert ((routed.area_ids[:, 0] == city.west.pk) == west).all()


def test_an_index_of_one_jurisdiction_routes_it_and_knows_no_other(city):
    other = make_city("elsewhere")
    index = jurisdiction_area_index(city.jurisdiction.pk)
    routed = index.locate_many(
        np.array([INSIDE_WEST[0]]), np.array([INSIDE_WEST[1]]), city.jurisdiction.pk
    )
    assert routed.inside.tolist() == [True] and routed.area_ids[0].tolist() == [city.west.pk]
    assert set(index.jurisdictions) == {city.jurisdiction.pk}
    assert not index.locate_many(
        np.array([INSIDE_WEST[0]]), np.array([INSIDE_WEST[1]]), other.jurisdiction.pk
    ).inside.any()


def test_nan_coordinates_locate_nowhere(city):
    routed = area_index().locate_many(
        np.array([np.nan, 34.05]), np.array([-118.25, np.nan]), city.jurisdiction.pk
    )
    assert not routed.inside.any()
    assert (routed.area_ids == -1).all()


def test_index_follows_area_changes(city):
    assert area_index().locate(*INSIDE_WEST).area_ids == (city.west.pk,)
    import_areas(
        jurisdiction=city.jurisdiction,
        features=[feature("Everything", "all", WEST.union(EAST))],
        kind="district",
        name_property="name",
        code_property="code",
    )
    district = Area.objects.get(kind="district")
    assert area_index().locate(*INSIDE_WEST).area_ids == (district.pk, city.west.pk)
    assert area_index().locate(*OUTSIDE).jurisdiction_id is None


def test_self_intersecting_polygon_is_repaired_not_dropped(db):
    jurisdiction = create_jurisdiction(slug="bowtie", name="Bowtie", timezone="UTC")
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]],
    }
    result = import_areas(
        jurisdiction=jurisdiction,
        features=[{"type": "Feature", "properties": {"name": "Bow"}, "geometry": bowtie}],
        kind="ward",
        name_property="name",
    )
    assert result.repaired == ["Bow"]
    area = Area.objects.get()
    assert area.repaired and area.geometry.is_valid
    assert area_index().locate(1.0, 0.5).area_ids == (area.pk,)
    assert area_index().locate(1.0, 1.5).area_ids == (area.pk,)


def test_import_areas_errors_name_the_feature(db, tmp_path):
    jurisdiction = create_jurisdiction(slug="x", name="X", timezone="UTC")
    with pytest.raises(ValidationError) as exc:
        import_areas(
            jurisdiction=jurisdiction,
            features=[feature("West", "1", WEST)],
            kind="ward",
            name_property="title",
        )
    assert "Feature 1 has no property title (its properties: code, name)" in str(exc.value)
    point = {
        "type": "Feature",
        "properties": {"name": "P"},
        "geometry": {"type": "Point", "coordinates": [0, 0]},
    }
    with pytest.raises(ValidationError) as exc:
        import_areas(jurisdiction=jurisdiction, features=[point], kind="ward", name_property="name")
    assert "is a Point; areas must be polygons" in str(exc.value)
    assert not Area.objects.exists()

    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json")
    with pytest.raises(ValidationError, match="not valid JSON"):
        read_feature_collection(bad)
    bad.write_text('{"type": "Feature"}')
    with pytest.raises(ValidationError, match="not a GeoJSON FeatureCollection"):
        read_feature_collection(bad)


@pytest.mark.parametrize(
    ("slug", "tz", "field"),
    [
        ("Bad Slug", "UTC", "slug"),
        ("ok", "Mars/Olympus", "timezone"),
        ("admin", "UTC", "slug"),
        ("my", "UTC", "slug"),
        ("static", "UTC", "slug"),
    ],
)
def test_create_jurisdiction_validates(db, slug, tz, field):
    with pytest.raises(ValidationError) as exc:
        create_jurisdiction(slug=slug, name="N", timezone=tz)
    assert field in exc.value.message_dict


def test_real_la_2021_neighbourhood_councils_are_repaired(shared_data):
    jurisdiction = create_jurisdiction(
        slug="la", name="Los Angeles", timezone="America/Los_Angeles"
    )
    features = read_feature_collection(
        shared_data / "geo/la/la-neighborhood-councils-2021-01-22.geojson"
    )
    result = import_areas(
        jurisdiction=jurisdiction,
        features=features,
        kind="neighborhood-council",
        name_property="name",
        code_property="nc_id",
    )
    assert result.created == 99
    assert any("HARBOR GATEWAY SOUTH" in name for name in result.repaired)
    assert Area.objects.filter(repaired=True).count() == len(result.repaired)
