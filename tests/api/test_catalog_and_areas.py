import csv
import json
import re

import pytest
import shapely
from shapely.geometry import shape

from fixboard.catalog.models import AttributeDefinition
from fixboard.places.actions import create_jurisdiction, import_areas, read_feature_collection
from fixboard.places.models import Area
from tests.factories import ServiceTypeFactory

pytestmark = pytest.mark.django_db


def test_services_come_with_their_questions_and_hide_private_ones(client, city):
    ServiceTypeFactory(jurisdiction=city.jurisdiction, code="internal-audit", public=False)
    ServiceTypeFactory(jurisdiction=city.jurisdiction, code="retired", active=False)

    response = client.get(f"/api/v1/services?jurisdiction={city.jurisdiction.slug}")

    assert response.status_code == 200
    services = {s["code"]: s for s in response.json()}
    assert set(services) == {"pothole", "bulky-items"}
    depth = services["pothole"]["questions"][0]
    assert depth["code"] == "depth"
    assert depth["required"] is True
    assert depth["values"] == [
        {"key": "shallow", "name": "Shallow"},
        {"key": "deep", "name": "Deeper than 5 cm"},
    ]
    one = client.get(f"/api/v1/services/{city.jurisdiction.slug}/pothole").json()
    assert one == services["pothole"]
    assert (
        client.get(f"/api/v1/services/{city.jurisdiction.slug}/internal-audit").status_code == 404
    )


def test_service_list_reads_in_a_constant_number_of_queries(
    client, city, django_assert_max_num_queries
):
    for n in range(10):
        service = ServiceTypeFactory(jurisdiction=city.jurisdiction)
        AttributeDefinition.objects.create(
            service_type=service, code=f"q{n}", description="?", datatype="string"
        )
    with django_assert_max_num_queries(2):
        assert len(client.get("/api/v1/services").json()) == 12


def test_jurisdictions_list_with_their_extent(client, city):
    body = client.get("/api/v1/jurisdictions").json()
    assert body == [
        {
            "id": city.jurisdiction.slug,
            "name": "Testville",
            "timezone": "America/Los_Angeles",
            "bbox": [-118.3, 34.0, -118.1, 34.1],
        }
    ]


@pytest.fixture
def los_angeles(shared_data):
    la = create_jurisdiction(slug="la", name="Los Angeles", timezone="America/Los_Angeles")
    import_areas(
        jurisdiction=la,
        features=read_feature_collection(
            shared_data / "geo" / "la" / "la-city-council-districts-2012.geojson"
        ),
        kind="council-district",
        name_property="name",
        code_property="name",
    )
    return la


def test_la_council_districts_page_through_without_repeats(client, los_angeles):
    seen, url = [], "/api/v1/areas?jurisdiction=la&kind=council-district&limit=4"
    while url:
        body = client.get(url).json()
        seen += [a["code"] for a in body["items"]]
        url = body["next_cursor"] and (
            f"/api/v1/areas?jurisdiction=la&kind=council-district&limit=4"
            f"&cursor={body['next_cursor']}"
        )
    assert sorted(seen, key=int) == [str(n) for n in range(1, 16)]
    assert client.get("/api/v1/areas?kind=ward").json()["items"] == []


def test_area_detail_is_geojson_simplified_for_the_map(client, los_angeles, shared_data):
    # The 2021 neighbourhood councils are detailed (and one of them self-intersects).
    import_areas(
        jurisdiction=los_angeles,
        features=read_feature_collection(
            shared_data / "geo" / "la" / "la-neighborhood-councils-2021-01-22.geojson"
        ),
        kind="neighborhood-council",
        name_property="name",
        code_property="nc_id",
    )
    district = max(
        Area.objects.filter(kind="neighborhood-council"),
        key=lambda a: shapely.get_num_coordinates(a.geometry),
    )
    full_geometry = district.geometry

    simplified = client.get(f"/api/v1/areas/{district.pk}").json()
    full = client.get(f"/api/v1/areas/{district.pk}?full=true").json()

    assert simplified["type"] == "Feature"
    assert simplified["properties"]["name"] == district.name
    shown = shape(simplified["geometry"])
    assert shown.is_valid
    assert shapely.get_num_coordinates(shown) < 0.75 * shapely.get_num_coordinates(full_geometry)
    assert shown.area == pytest.approx(full_geometry.area, rel=0.01)
    assert shapely.get_num_coordinates(shape(full["geometry"])) == shapely.get_num_coordinates(
        full_geometry
    )
    assert len(json.dumps(simplified)) < len(json.dumps(full))


def test_real_la_reports_are_found_in_their_council_district(
    app_for, client, los_angeles, shared_data
):
    service = ServiceTypeFactory(jurisdiction=los_angeles, code="illegal-dumping")
    key_client = app_for(los_angeles)
    with open(shared_data / "311" / "la" / "la311_2020-01_requests.csv", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["latitude"] and r["cd"]][:40]
    labels = {}
    for row in rows:
        response = key_client.post(
            "/api/v1/requests",
            json.dumps(
                {
                    "service_code": service.code,
                    "lat": float(row["latitude"]),
                    "long": float(row["longitude"]),
                    "address": row["address"],
                    "description": row["requesttype"],
                }
            ),
            content_type="application/json",
        )
        assert response.status_code == 201, (row["srnumber"], response.content)
        labels[response.json()["id"]] = row["cd"]
    agree = 0
    for district in Area.objects.filter(jurisdiction=los_angeles):
        listed = client.get(f"/api/v1/requests?area={district.pk}&limit=200").json()["items"]
        agree += sum(labels[item["id"]] == district.code for item in listed)
    assert agree >= 0.95 * len(rows)  # the city's own labels agree 99.6% with these polygons
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", next(iter(labels)))
