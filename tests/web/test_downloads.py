"""CSV and GeoJSON downloads of a filtered map or list: the export's columns, only the
filtered rows, nothing private, streamed a chunk at a time."""

import csv
import io
import itertools
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shapely.geometry import shape

from fixboard.reports import exporting
from fixboard.reports.actions import ContactDetails, submit_request
from fixboard.reports.exporting import export_columns, export_requests
from fixboard.reports.models import OPEN_STATUSES
from fixboard.web.views import downloads
from tests.factories import INSIDE_EAST, submit_pothole
from tests.reports.test_import_helpers import SF, run_import, san_francisco, write_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def sf(shared_data, tmp_path):
    """San Francisco with the first 500 cases of the real 311 file."""
    city = san_francisco(shared_data)
    with open(shared_data / SF, encoding="utf-8", newline="") as f:
        header, *rows = itertools.islice(csv.reader(f), 501)
    run_import(write_csv(tmp_path / "sf-500.csv", header, rows), city, "sf")
    return city


def _everything(jurisdiction) -> list[dict]:
    out = io.StringIO()
    export_requests(jurisdiction=jurisdiction, format="csv", out=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def _body(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_a_filtered_csv_has_exactly_the_filtered_rows_with_the_export_columns(client, sf):
    everything = _everything(sf)
    busiest = max(
        {r["service_code"] for r in everything},
        key=lambda c: sum(r["service_code"] == c for r in everything),
    )
    expected = [
        r for r in everything if r["service_code"] == busiest and r["status"] in OPEN_STATUSES
    ]
    assert 0 < len(expected) < len(everything)

    response = client.get(f"/{sf.slug}/requests.csv", {"service": busiest, "status": "open"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="san-francisco-requests.csv"'
    reader = csv.DictReader(io.StringIO(_body(response)))
    assert reader.fieldnames == export_columns(sf)
    assert sorted(map(tuple, (r.values() for r in reader))) == sorted(
        map(tuple, (r.values() for r in expected))
    )


def test_a_filtered_geojson_is_valid_and_holds_the_same_requests(client, sf):
    everything = _everything(sf)
    closed = {r["id"] for r in everything if r["status"] == "closed"}
    assert closed

    response = client.get(f"/{sf.slug}/requests.geojson", {"status": "closed"})

    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(_body(response))
    assert data["type"] == "FeatureCollection"
    assert {f["id"] for f in data["features"]} == closed
    for feature in data["features"]:
        point = shape(feature["geometry"])
        assert point.geom_type == "Point" and point.is_valid
        assert set(feature["properties"]) == set(export_columns(sf)) - {"lat", "long"}


def test_an_area_filter_and_nothing_private(client, city):
    submit_request(
        service_type=city.pothole,
        lat=34.05,
        long=-118.25,
        attributes={"depth": "deep"},
        description="West hole",
        reporter=ContactDetails(name="Ana Reyes", email="ana@example.org", phone="555 123 4567"),
        actor=None,
    )
    east = submit_pothole(city, at=INSIDE_EAST, email="bo@example.org")

    whole = _body(client.get(f"/{city.jurisdiction.slug}/requests.csv"))
    in_east = _body(client.get(f"/{city.jurisdiction.slug}/requests.csv", {"area": city.east.pk}))

    assert "West hole" in whole
    for private in ("Ana Reyes", "ana@example.org", "555", "bo@example.org"):
        assert private not in whole
    assert [r["id"] for r in csv.DictReader(io.StringIO(in_east))] == [east.public_id]


def test_a_wrong_filter_is_a_clear_400_not_the_whole_city(client, city):
    response = client.get(f"/{city.jurisdiction.slug}/requests.csv", {"status": "lost"})

    assert response.status_code == 400
    text = response.content.decode()
    assert text.startswith("These filters cannot be used:")
    assert "Status: Select a valid choice. lost is not one of the available choices." in text


def test_a_download_is_streamed_a_chunk_at_a_time(client, city, monkeypatch):
    made = [submit_pothole(city, description=f"Hole {n}") for n in range(5)]
    monkeypatch.setattr(exporting, "CHUNK", 2)
    monkeypatch.setattr(downloads, "BATCH", 1)

    response = client.get(f"/{city.jurisdiction.slug}/requests.csv")
    pieces = iter(response.streaming_content)
    with CaptureQueriesContext(connection) as first_rows:
        head, first = next(pieces), next(pieces)
    with CaptureQueriesContext(connection) as the_rest:
        rest = list(pieces)

    assert head.startswith(b"id,source_id,service_code,")
    assert first.decode().startswith(made[0].public_id)
    reads = [q for q in first_rows if "reports_servicerequest" in q["sql"]]
    assert len(reads) == 1, "the first row is sent after reading one chunk, not the table"
    later = [q for q in the_rest if "reports_servicerequest" in q["sql"]]
    assert len(later) == 3  # two more chunks, and the empty one that ends it
    assert len(rest) == 4
