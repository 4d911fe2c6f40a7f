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


def test_a_spanish_download_keeps_its_columns_and_codes_and_words_its_texts(client, city):
    from fixboard.reports.actions import transition
    from fixboard.reports.models import CloseReason, Status
    from tests.factories import translate_to_spanish

    translate_to_spanish(city)
    still_open = submit_pothole(city)
    fixed = submit_pothole(city, at=INSIDE_EAST)
    transition(request=fixed, to_status=Status.CLOSED, close_reason=CloseReason.FIXED, actor="crew")
    url = f"/{city.jurisdiction.slug}/requests.csv"

    spanish = client.get(url, {"lang": "es"})
    english = client.get(url)

    assert spanish["Content-Language"] == "es" and english["Content-Language"] == "en"
    es_rows = list(csv.DictReader(io.StringIO(_body(spanish))))
    en_rows = list(csv.DictReader(io.StringIO(_body(english))))
    assert list(es_rows[0]) == list(en_rows[0]) == export_columns(city.jurisdiction)
    by_id = {r["id"]: r for r in es_rows}
    assert by_id[still_open.public_id]["status"] == "new"  # the code, for scripts
    assert by_id[still_open.public_id]["status_label"] == "nuevo"  # the word, for people
    assert by_id[fixed.public_id]["status"] == "closed"
    assert by_id[fixed.public_id]["close_reason"] == "fixed"
    assert by_id[fixed.public_id]["status_label"] == "arreglado"
    assert {r["service_name"] for r in es_rows} == {"Bache"}
    assert {r["agency_responsible"] for r in es_rows} == {"Calles"}
    assert {r["service_name"] for r in en_rows} == {"Pothole"}
    assert {r["status_label"] for r in en_rows} == {"new", "fixed"}

    geojson = json.loads(_body(client.get(f"/{city.jurisdiction.slug}/requests.geojson?lang=es")))
    properties = {f["id"]: f["properties"] for f in geojson["features"]}
    assert properties[fixed.public_id]["status_label"] == "arreglado"
    assert properties[fixed.public_id]["service_name"] == "Bache"


def test_the_browser_language_does_not_change_a_download_an_unknown_lang_is_the_default(
    client, city
):
    from tests.factories import translate_to_spanish

    translate_to_spanish(city)
    submit_pothole(city)
    url = f"/{city.jurisdiction.slug}/requests.csv"

    by_browser = client.get(url, headers={"Accept-Language": "es"})
    unknown = client.get(url, {"lang": "tlh"})

    for response in (by_browser, unknown):
        assert response["Content-Language"] == "en"
        (row,) = csv.DictReader(io.StringIO(_body(response)))
        assert (row["service_name"], row["status_label"]) == ("Pothole", "new")


def test_the_spanish_map_page_links_spanish_downloads(client, city):
    page = client.get(f"/{city.jurisdiction.slug}/", headers={"Accept-Language": "es"})
    assert f"/{city.jurisdiction.slug}/requests.csv?status=recent&amp;lang=es" in (
        page.content.decode()
    )


def test_export_requests_in_another_language(city, tmp_path):
    from django.core.management import call_command

    from tests.factories import translate_to_spanish

    translate_to_spanish(city)
    submit_pothole(city)
    target = tmp_path / "es.csv"

    call_command(
        "export_requests", jurisdiction=city.jurisdiction.slug, output=target, language="es"
    )

    (row,) = csv.DictReader(target.open(encoding="utf-8"))
    assert (row["service_name"], row["status"], row["status_label"]) == ("Bache", "new", "nuevo")
