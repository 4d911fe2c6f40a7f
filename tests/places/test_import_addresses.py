"""`fixboard import-addresses` on real address columns of the LA and SF 311 files, and on
small OpenAddresses CSV and GeoJSON files written by hand; then search on what it learnt."""

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from fixboard.places.models import AddressPoint, Street
from fixboard.places.search import nearest_address, search_addresses
from tests.factories import INSIDE_EAST, INSIDE_WEST
from tests.reports.test_import_helpers import LA_2017, LA_2020, SF, los_angeles, san_francisco

pytestmark = pytest.mark.django_db

OA_HEADER = ["LON", "LAT", "NUMBER", "STREET", "UNIT", "CITY", "DISTRICT", "REGION", "POSTCODE",
             "ID", "HASH"]  # fmt: skip
TUSCANY = (43.467448, 11.885127)  # where the GPS photos of the shared data were taken


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def oa_row(number, street, lat, long, *, unit="", postcode="", city="") -> list:
    return [long, lat, number, street, unit, city, "", "CA", postcode, "", ""]


def write_oa(path: Path, rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(OA_HEADER)
        writer.writerows(rows)
    return path


def _split_line(address: str) -> tuple[str, str]:
    """("1900", "E 4TH ST") from "1900 E 4TH ST, 90033"; ("", line) without a number."""
    line = address.split(",")[0].strip()
    number, _, street = line.partition(" ")
    return (number, street) if number[:1].isdigit() else ("", line)


def real_la_rows(data: Path) -> list[list]:
    """Every row of both LA files in OpenAddresses' layout, blanks and corners included."""
    rows = []
    with (data / LA_2017).open(encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            street = " ".join(p for p in (r["Direction"], r["StreetName"], r["Suffix"]) if p)
            rows.append(oa_row(r["HouseNumber"], street, r["Latitude"], r["Longitude"],
                               postcode=r["ZipCode"], city="LOS ANGELES"))  # fmt: skip
    with (data / LA_2020).open(encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            number, street = _split_line(r["address"])
            rows.append(oa_row(number, street, r["latitude"], r["longitude"],
                               postcode=r["zipcode"], city="LOS ANGELES"))  # fmt: skip
    return rows


def test_real_la_addresses_every_row_accounted_for_and_found(shared_data, tmp_path):
    city = los_angeles(shared_data, neighborhood_councils=False)
    rows = real_la_rows(shared_data)
    path = write_oa(tmp_path / "la.csv", rows)

    out = run("import_addresses", str(path), "--jurisdiction", "los-angeles")
    first = _summary(out)
    assert first["rows"] == len(rows) == 19_999
    assert first["new"] + first["moved"] + first["known"] + first["rejected"] == len(rows)
    assert first["new"] == AddressPoint.objects.filter(jurisdiction=city).count() > 10_000
    assert "Rejected, no point:" in out and "Rejected, no number or street:" in out

    again = _summary(run("import_addresses", str(path), "--jurisdiction", "los-angeles"))
    assert again["new"] == again["moved"] == 0
    assert again["known"] == first["new"] + first["moved"] + first["known"]
    assert again["rejected"] == first["rejected"]
    assert "0 new" in run("import_addresses", str(path), "--jurisdiction", "los-angeles")

    # What a call-taker types.
    assert search_addresses(city, "1900 e 4th")[0].address == "1900 E 4TH ST"
    assert search_addresses(city, "1900 e forth st")[0].address == "1900 E 4TH ST"
    assert search_addresses(city, "1900 East Fourth Street")[0].address == "1900 E 4TH ST"
    soto = search_addresses(city, "526 s soto strret")
    assert soto[0].address == "526 S SOTO ST" and soto[0].zipcode == "90033"
    for typed in ("4th & Soto", "4th and soto", "E 4th St / S Soto St", "fourth at soto"):
        corner = search_addresses(city, typed)[0]
        assert corner.kind == "intersection"
        assert corner.address == "E 4TH ST & S SOTO ST"
        # E 4th St crosses S Soto St at 34.0387, -118.2125 (Boyle Heights).
        assert abs(corner.lat - 34.0387) < 0.002 and abs(corner.long + 118.2125) < 0.002
    door = search_addresses(city, "1900 e 4th")[0]
    assert nearest_address(city, door.lat + 0.00005, door.long - 0.00005).address == door.address
    assert nearest_address(city, *TUSCANY) is None


def test_real_sf_addresses(shared_data, tmp_path):
    city = san_francisco(shared_data)
    rows = []
    with (shared_data / SF).open(encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            number, street = _split_line(r["Address"])
            lat, _, long = r["Point"].strip("()").partition(",")
            postcode = r["Address"].rsplit(",", 1)[-1].strip()
            rows.append(oa_row(number, street, lat.strip(), long.strip(), postcode=postcode))
    path = write_oa(tmp_path / "sf.csv", rows)
    first = _summary(run("import_addresses", str(path), "--jurisdiction", "san-francisco"))
    assert first["rows"] == 10_000
    assert first["new"] + first["moved"] + first["known"] + first["rejected"] == 10_000
    assert search_addresses(city, "420 berry")[0].address == "420 BERRY ST"
    corner = search_addresses(city, "mission & 16th")[0]
    assert (corner.kind, corner.address) == ("intersection", "MISSION ST & 16TH ST")
    assert abs(corner.lat - 37.7650) < 0.002 and abs(corner.long + 122.4195) < 0.002
    assert (
        _summary(run("import_addresses", str(path), "--jurisdiction", "san-francisco"))["new"] == 0
    )


def _summary(out: str) -> dict[str, int]:
    head = out.splitlines()[
        0
    ]  # "N rows in … s (… rows/s): A new, M moved, K already known, X rejected."
    numbers = [int(word) for word in head.replace(",", " ").split() if word.isdigit()]
    return dict(
        zip(["rows", "new", "moved", "known", "rejected"], [numbers[0], *numbers[-4:]], strict=True)
    )


def test_openaddresses_csv_by_hand_with_bad_rows(city, tmp_path):
    lat, long = INSIDE_WEST
    path = write_oa(
        tmp_path / "testville.csv",
        [
            oa_row("12", "Main Street", lat, long, unit="1", postcode="90012"),
            oa_row("12", "Main Street", lat, long, unit="2", postcode="90012"),  # same door
            oa_row("14", "Main Street", lat, long + 0.0002, postcode="90012"),
            oa_row("", "Main Street", lat, long),
            oa_row("16", "", lat, long),
            oa_row("18", "Main Street", "34.05x", long),
            oa_row("20", "Main Street", "", ""),
            oa_row("22", "Main Street", "134.05", long),
            oa_row("24", "Main Street", *TUSCANY),
            oa_row("26", "Oak Avenue", *INSIDE_EAST),
        ],
    )
    out = run("import_addresses", str(path), "--jurisdiction", city.jurisdiction.slug)
    assert out.startswith("10 rows in ")
    assert "3 new, 0 moved, 1 already known, 6 rejected." in out
    assert "row 5 has no house number." in out
    assert "row 6 has no street." in out
    assert "row 7: '34.05x', '-118.25' are not decimal degrees." in out
    assert "row 8 has no latitude or longitude." in out
    assert "row 9: latitude 134.05 / longitude -118.25 are outside ±90 / ±180." in out
    assert "row 10: 24 Main Street at 43.467448, 11.885127 is outside Testville." in out
    twelve = AddressPoint.objects.get(jurisdiction=city.jurisdiction, normalized="12 MAIN ST")
    assert (twelve.address, twelve.zipcode) == ("12 Main Street", "90012")  # units dropped
    assert set(Street.objects.values_list("name", flat=True)) >= {"MAIN ST", "OAK AVE"}

    # Moved: the same door 500 m away is a correction.
    write_oa(path, [oa_row("12", "Main Street", lat + 0.005, long)])
    out = run("import_addresses", str(path), "--jurisdiction", city.jurisdiction.slug)
    assert "0 new, 1 moved, 0 already known, 0 rejected." in out


def test_rejected_rows_are_all_written_to_a_file(city, tmp_path):
    lat, long = INSIDE_WEST
    rows = [oa_row(str(n), "", lat, long) for n in range(1, 9)]
    path = write_oa(tmp_path / "blank-streets.csv", rows)
    rejected = tmp_path / "rejected.csv"
    out = run("import_addresses", str(path), "--jurisdiction", city.jurisdiction.slug,
              "--rejected", str(rejected))  # fmt: skip
    assert "0 new, 0 moved, 0 already known, 8 rejected." in out
    assert out.count("has no street.") == 5  # the summary shows five per reason
    with rejected.open() as f:
        listed = list(csv.DictReader(f))
    assert [r["row"] for r in listed] == [str(n) for n in range(2, 10)]
    assert {r["reason"] for r in listed} == {"no number or street"}


def _feature(number, street, lat, long, unit=""):
    return {
        "type": "Feature",
        "properties": {
            "hash": "x",
            "number": number,
            "street": street,
            "unit": unit,
            "city": "Testville",
            "district": "",
            "region": "CA",
            "postcode": "90012",
            "id": "",
        },  # fmt: skip
        "geometry": {"type": "Point", "coordinates": [long, lat]},
    }


def test_openaddresses_geojson_collection_and_lines(city, tmp_path):
    lat, long = INSIDE_WEST
    features = [
        _feature("100", "N Spring St", lat, long),
        _feature("102", "N Spring St", lat + 0.0003, long),
        _feature("104", "N Spring St", None, None) | {"geometry": None},
    ]
    collection = tmp_path / "spring.geojson"
    collection.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    out = run("import_addresses", str(collection), "--jurisdiction", city.jurisdiction.slug)
    assert "2 new, 0 moved, 0 already known, 1 rejected." in out
    assert "feature 3 has no Point geometry." in out

    lines = tmp_path / "spring-lines.geojson"
    lines.write_text(
        "\n".join(json.dumps(f) for f in features[:2])
        + "\n{not json\n"
        + json.dumps(_feature("200", "W 1st St", *INSIDE_EAST))
        + "\n"
    )
    out = run("import_addresses", str(lines), "--jurisdiction", city.jurisdiction.slug)
    assert "1 new, 0 moved, 2 already known, 1 rejected." in out
    assert "feature 3 is not JSON" in out
    assert search_addresses(city.jurisdiction, "200 w first")[0].address == "200 W 1st St"


def test_a_mapped_layout_of_split_columns(shared_data, city, tmp_path):
    """LA 2017's own columns: number, and a street in three parts."""
    mapping = tmp_path / "la-2017-addresses.toml"
    mapping.write_text(
        '[source]\nencoding = "utf-8-sig"\n[columns]\nnumber = "HouseNumber"\n'
        'street = ["Direction", "StreetName", "Suffix"]\npostcode = "ZipCode"\n'
        'lat = "Latitude"\nlong = "Longitude"\n'
    )
    out = run("import_addresses", str(shared_data / LA_2017),
              "--jurisdiction", city.jurisdiction.slug, "--mapping", str(mapping))  # fmt: skip
    summary = _summary(out)
    assert summary["rows"] == 9_999
    # Testville is a small box of LA: most of the city is outside it, and said so.
    assert summary["new"] > 500 and "Rejected, outside the jurisdiction:" in out
    assert search_addresses(city.jurisdiction, "2111 w bellevue")[0].zipcode == "90026"


def test_file_level_errors_stop_before_anything_is_written(city, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("LONGITUDE,LATITUDE,NUMBER,STREET\n-118.25,34.05,1,MAIN ST\n")
    with pytest.raises(CommandError, match=r"bad.csv has no column lat, lon\. Its columns are"):
        run("import_addresses", str(bad), "--jurisdiction", city.jurisdiction.slug)
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\nnumber = "N"\nstreeet = "S"\n')
    with pytest.raises(CommandError) as raised:
        run("import_addresses", str(bad), "--jurisdiction", city.jurisdiction.slug,
            "--mapping", str(mapping))  # fmt: skip
    assert "columns.streeet: Unknown field" in str(raised.value)
    assert "columns.lat: Say which columns hold lat and long." in str(raised.value)
    with pytest.raises(CommandError, match="No jurisdiction nowhere"):
        run("import_addresses", str(bad), "--jurisdiction", "nowhere")
    assert not AddressPoint.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_index_is_written_alongside(tmp_path):
    """As in production: on PostgreSQL a thread writes each batch on its own connection
    while the next is read; the summary still counts every row."""
    from fixboard.places.actions import create_jurisdiction

    place = create_jurisdiction(slug="open-city", name="Open City", timezone="UTC")
    rows = [oa_row(str(n), "Main St", 34.0 + n * 0.0001, -118.25) for n in range(1, 501)]
    rows.append(oa_row("", "Main St", 34.0, -118.25))
    path = write_oa(tmp_path / "open-city.csv", rows)
    out = run("import_addresses", str(path), "--jurisdiction", "open-city")
    assert "501 rows in " in out and "500 new, 0 moved, 0 already known, 1 rejected." in out
    out = run("import_addresses", str(path), "--jurisdiction", "open-city")
    assert "0 new, 0 moved, 500 already known, 1 rejected." in out
    assert AddressPoint.objects.filter(jurisdiction=place).count() == 500
    assert search_addresses(place, "250 main")[0].address == "250 Main St"


def test_the_worker_learns_the_streets_of_an_import(city, tmp_path, settings):
    """With the task queue of production: the import writes its addresses and leaves their
    streets (several typo keys each) to a task; once it ran, a misspelt street finds them."""
    from django_tasks_db.models import DBTaskResult

    from fixboard.places.search import matching_streets
    from fixboard.places.tasks import learn_streets

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    lat, long = INSIDE_WEST
    path = write_oa(
        tmp_path / "streets.csv",
        [oa_row(str(n), "Soto Street", lat + n * 0.0001, long) for n in range(1, 6)]
        + [oa_row("7", "Fourth Street", *INSIDE_EAST)],
    )
    j = city.jurisdiction
    run("import_addresses", str(path), "--jurisdiction", j.slug)
    assert AddressPoint.objects.filter(jurisdiction=j).count() == 6
    assert not Street.objects.filter(jurisdiction=j).exists()
    queued = DBTaskResult.objects.filter(task_path=learn_streets.module_path)
    assert [task.args_kwargs["args"] for task in queued] == [[j.pk]]

    assert learn_streets.call(j.pk) == 2
    assert matching_streets(j, "SOTTO") == ["SOTO ST"]
    assert matching_streets(j, "FORTH ST") == ["FOURTH ST"]
    assert learn_streets.call(j.pk) == 0  # run again (a second import, a retry): nothing new
