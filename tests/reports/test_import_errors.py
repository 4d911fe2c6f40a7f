"""Bad input gives a clear message naming the row or field, and never stops the file."""

import subprocess
import sys

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from fixboard.reports.importing import load_mapping, parse_mapping
from fixboard.reports.models import ServiceRequest, Status
from tests.factories import INSIDE_EAST, INSIDE_WEST, OUTSIDE
from tests.reports.test_import_helpers import (
    LA_2017,
    NYC,
    SMALL_HEADER,
    SMALL_MAPPING,
    new_york,
    run_import,
    small_mapping,
    write_csv,
)

pytestmark = pytest.mark.django_db


def _row(id, *, created="12/31/2017 11:59:58 PM", at=INSIDE_WEST, status="Open", **kw):
    return [
        id,
        kw.get("type", "Pothole"),
        created,
        kw.get("closed", ""),
        status,
        at[0],
        at[1],
        kw.get("address", ""),
        kw.get("source", "Call"),
    ]


def test_mapping_naming_a_missing_column_lists_the_csv_columns(shared_data, city, tmp_path):
    mapping = small_mapping(tmp_path, SMALL_MAPPING.replace('"Type"', '"RequestTyp"'))
    path = write_csv(tmp_path / "x.csv", SMALL_HEADER, [_row("1")])

    with pytest.raises(ValidationError) as exc:
        run_import(path, city.jurisdiction, mapping)

    message = exc.value.message_dict["service_name"][0]
    assert "column RequestTyp" in message
    assert "Id, Type, Created, Closed, Status, Lat, Long, Address, Source" in message
    assert not ServiceRequest.objects.exists()


def test_shipped_mapping_on_the_wrong_file_stops_before_writing(shared_data, city):
    with pytest.raises(ValidationError) as exc:
        run_import(shared_data / LA_2017, city.jurisdiction, "sf")
    errors = exc.value.message_dict
    assert "column CaseID" in errors["id"][0] and "SRNumber" in errors["id"][0]
    assert "column Category" in errors["service_name"][0]
    assert not ServiceRequest.objects.exists()


def test_unreadable_date_names_row_value_and_formats(city, tmp_path):
    path = write_csv(
        tmp_path / "x.csv",
        SMALL_HEADER,
        [_row("1"), _row("2", created="31/12/2017 23:59"), _row("3", created="2017-12-31 08:15")],
    )

    result = run_import(path, city.jurisdiction, small_mapping(tmp_path))

    assert (result.created, result.skipped["unreadable date"]) == (2, 1)
    (example,) = result.examples["unreadable date"]
    assert example.row == 3
    assert example.message == (
        "row 3: Created '31/12/2017 23:59' matches none of the formats "
        "%m/%d/%Y %I:%M:%S %p, %Y-%m-%d %H:%M."
    )


def test_coordinates_out_of_range_swapped_or_outside_are_skipped_by_reason(city, tmp_path):
    west_lat, west_long = INSIDE_WEST
    path = write_csv(
        tmp_path / "x.csv",
        SMALL_HEADER,
        [
            _row("ok", at=INSIDE_EAST),
            _row("swapped-range", at=(west_long, west_lat)),  # latitude -118.25
            _row("range", at=(123.0, 200.0)),
            _row("outside", at=OUTSIDE),
            _row("blank", at=("", ""), address=""),
            _row("zero", at=("0", "0"), address=""),
            _row("text", at=("north", "-118.2")),
        ],
    )

    result = run_import(path, city.jurisdiction, small_mapping(tmp_path))

    assert result.created == 1
    assert result.skipped == {
        "latitude and longitude swapped": 1,
        "coordinates out of range": 1,
        "outside the jurisdiction": 1,
        "no location": 2,
        "unreadable point": 1,
    }
    messages = {reason: [e.message for e in ex] for reason, ex in result.examples.items()}
    assert messages["latitude and longitude swapped"] == [
        "row 3: latitude -118.25 is beyond ±90 but would fit as a longitude; "
        "latitude and longitude look swapped."
    ]
    assert messages["coordinates out of range"] == [
        "row 4: latitude 123.0 / longitude 200.0 are outside ±90 / ±180."
    ]
    assert messages["outside the jurisdiction"] == [
        "row 5: the point 40.71, -74.0 is outside Testville."
    ]
    assert messages["no location"][0] == "row 6 has neither coordinates nor an address."
    assert messages["unreadable point"][0].startswith("row 8: the location cannot be read")


def test_swapped_pair_within_range_is_recognised_by_the_jurisdiction(tmp_path, db):
    city = new_york()
    header = ["ID", "Title", "Date Created", "Status", "Latitude", "Longitude"]
    path = write_csv(
        tmp_path / "nyc.csv",
        header,
        [["1", "Pothole", "1517065554", "submitted", "-73.866584", "40.670147"]],
    )
    mapping = parse_mapping(_publicstuff_mapping())
    from fixboard.reports.importing import import_requests

    result = import_requests(path=path, jurisdiction=city, mapping=mapping)
    assert result.skipped == {"latitude and longitude swapped": 1}
    assert result.examples["latitude and longitude swapped"][0].message == (
        "row 2: -73.866584, 40.670147 is outside New York but 40.670147, -73.866584 is inside; "
        "latitude and longitude look swapped."
    )


def _publicstuff_mapping() -> dict:
    return {
        "source": {"id": "ID"},
        "columns": {
            "service_name": "Title",
            "requested_datetime": "Date Created",
            "status": "Status",
            "lat": "Latitude",
            "long": "Longitude",
        },
        "datetime": {"formats": ["epoch"], "timezone": "America/New_York"},
        "status": {"closed": ["completed"], "in_progress": ["in progress"]},
    }


@pytest.mark.slow
def test_publicstuff_nyc_dirty_points_are_skipped_and_named(shared_data, db):
    city = new_york()
    mapping = _publicstuff_mapping()
    mapping["columns"].update({"description": "Description", "address": "Address"})
    from fixboard.reports.importing import import_requests

    result = import_requests(
        path=shared_data / NYC, jurisdiction=city, mapping=parse_mapping(mapping)
    )

    assert result.created + result.skipped.total() == 8739
    assert result.skipped["outside the jurisdiction"] >= 3
    messages = " ".join(e.message for e in result.examples["outside the jurisdiction"])
    assert "-25.535144, -54.543581 is outside New York" in messages
    assert "59.436923, 24.750323 is outside New York" in messages
    request = ServiceRequest.objects.get(source_id="915216")
    assert request.requested_at.isoformat() == "2018-01-27T15:05:54+00:00"
    assert request.description == "unregistered for months"
    assert ServiceRequest.objects.filter(status=Status.IN_PROGRESS).count() > 150
    assert ServiceRequest.objects.filter(status=Status.CLOSED).count() > 250


def test_mapping_errors_are_listed_field_by_field(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(
        """
[source]
id = ""
[columns]
service_name = "Type"
lat = "Lat"
colour = "Colour"
[datetime]
formats = "not-a-list-is-fine"
timezone = "Mars/Olympus"
[status]
closed = []
[close_reason]
fixed = ["Done"]
[channel]
pigeon = ["Bird"]
""",
        encoding="utf-8",
    )
    with pytest.raises(ValidationError) as exc:
        load_mapping(path)
    errors = exc.value.message_dict
    assert "source's own request id" in errors["source.id"][0]
    assert "Unknown key colour in [columns]" in errors["columns.colour"][0]
    assert "Say which column holds requested_datetime" in errors["columns.requested_datetime"][0]
    assert "Map both lat and long" in errors["columns.lat"][0]
    assert "Unknown time zone 'Mars/Olympus'" in errors["datetime.timezone"][0]
    assert "list of text values" in errors["status.closed"][0]
    assert "'done' has a close reason but is not listed" in errors["close_reason"][0]
    assert "Unknown key pigeon in [channel]" in errors["channel.pigeon"][0]


def test_mapping_file_that_is_not_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[source\nid = 1", encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        load_mapping(path)
    assert "is not valid TOML" in exc.value.message_dict["mapping"][0]
    with pytest.raises(ValidationError) as exc:
        load_mapping(tmp_path / "missing.toml")
    assert "No such mapping file" in exc.value.message_dict["mapping"][0]


def test_command_unknown_jurisdiction_lists_the_known_ones(city, tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_requests", str(tmp_path / "x.csv"), jurisdiction="atlantis", mapping="sf"
        )
    assert (
        str(exc.value)
        == f"No jurisdiction atlantis. Known jurisdictions: {city.jurisdiction.slug}."
    )


def test_command_missing_file_and_bad_mapping_are_errors_not_tracebacks(city, tmp_path):
    slug = city.jurisdiction.slug
    with pytest.raises(CommandError, match=r"file: Cannot read .*nothing.csv: No such file"):
        call_command(
            "import_requests", str(tmp_path / "nothing.csv"), jurisdiction=slug, mapping="sf"
        )
    with pytest.raises(CommandError, match="mapping: No such mapping file"):
        call_command(
            "import_requests", str(tmp_path / "x.csv"), jurisdiction=slug, mapping="nope.toml"
        )


def test_command_prints_summary_with_reasons_and_example_rows(city, tmp_path, capsys):
    path = write_csv(
        tmp_path / "x.csv",
        SMALL_HEADER,
        [
            _row("1", status="Closed", closed="01/02/2018 10:00:00 AM"),
            _row("2", at=OUTSIDE),
            _row("3", created="yesterday"),
        ],
    )
    call_command(
        "import_requests",
        str(path),
        jurisdiction=city.jurisdiction.slug,
        mapping=str(small_mapping(tmp_path)),
        no_progress=True,
    )
    out = capsys.readouterr().out
    assert "3 rows in" in out and "1 created, 0 updated, 2 skipped." in out
    assert "Skipped, outside the jurisdiction: 1\n  row 3: the point 40.71, -74.0 is outside" in out
    assert "Skipped, unreadable date: 1\n  row 4: Created 'yesterday' matches none" in out


def test_console_help_is_clear_and_errors_exit_non_zero_without_traceback(tmp_path):
    help_text = subprocess.run(
        [sys.executable, "-m", "fixboard", "import-requests", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    help_text = " ".join(help_text.split())
    assert "--jurisdiction JURISDICTION" in help_text and "la-2017, la-2020, sf" in help_text
    assert "updates instead of duplicating" in help_text
    failed = subprocess.run(
        [sys.executable, "-m", "fixboard", "import-requests", "x.csv", "--mapping", "sf"],
        capture_output=True,
        text=True,
    )
    assert failed.returncode != 0
    assert "--jurisdiction" in failed.stderr and "Traceback" not in failed.stderr
