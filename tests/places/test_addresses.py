"""The address index: normalised addresses, recorded from imports, resolved for lookups."""

import pytest

from fixboard.places.addresses import (
    AddressRecorder,
    normalize_address,
    record_addresses,
    resolve_address,
    resolve_addresses,
    split_zipcode,
)
from fixboard.places.models import AddressPoint
from fixboard.reports.models import ServiceRequest
from tests.factories import INSIDE_EAST, INSIDE_WEST
from tests.reports.test_import_helpers import SMALL_HEADER, run_import, small_mapping, write_csv


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        # Real addresses from the LA 2017, LA 2020 and SF files.
        ("2111 W BELLEVUE AVE, 90026", "2111 W BELLEVUE AVE"),
        ("5649-5647 TAMPA AVE, TARZANA, CA 91356, USA", "5649-5647 TAMPA AVE"),
        ("5718 SAN RAMON DR 90042", "5718 SAN RAMON DR"),
        ("420 BERRY ST, SAN FRANCISCO, CA, 94107", "420 BERRY ST"),
        ("2111 West Bellevue Avenue", "2111 W BELLEVUE AVE"),
        ("  2111  w. bellevue  ave. ", "2111 W BELLEVUE AVE"),
        ("N. MARMION WAY AND N. FIGUEROA ST. 90042", "N MARMION WAY AND N FIGUEROA ST"),
        ("", ""),
    ],
)
def test_normalize_address(given, normalized):
    assert normalize_address(given) == normalized


def test_split_zipcode():
    assert split_zipcode("5649 TAMPA AVE, TARZANA, CA 91356, USA") == (
        "5649 TAMPA AVE, TARZANA, CA",
        "91356",
    )
    assert split_zipcode("420 BERRY ST") == ("420 BERRY ST", "")


@pytest.mark.parametrize(
    ("given", "split"),
    [
        # However the text ends after the zip code, as far as the pattern allows.
        ("1 MAIN ST 90012 \t\n", ("1 MAIN ST", "90012")),
        ("1 MAIN ST, 90012-1234 usa", ("1 MAIN ST", "90012")),
        ("1 MAIN ST, 90012, US\u00a0", ("1 MAIN ST", "90012")),
        ("1 MAIN ST 90012 UſA", ("1 MAIN ST", "90012")),  # "ſ" is an "s", ignoring case
        ("1 MAIN ST 90012 SUITE A", ("1 MAIN ST 90012 SUITE A", "")),
        ("1 MAIN ST 90012X", ("1 MAIN ST 90012X", "")),
        ("  ", ("  ", "")),
    ],
)
def test_split_zipcode_finds_a_zip_code_only_at_the_end(given, split):
    assert split_zipcode(given) == split


@pytest.mark.django_db
def test_record_then_resolve_forgives_spelling_and_a_correction_moves_it(city):
    written = record_addresses(
        jurisdiction=city.jurisdiction,
        addresses=[
            ("2111 W BELLEVUE AVE, 90026", "", 34.07, -118.26),
            ("2111 West Bellevue Avenue", "90026", 34.08, -118.27),
            ("6122 E MESA AVE, 90042", "90042", 34.11, -118.19),
        ],
    )
    assert written == 2
    found = resolve_address(jurisdiction=city.jurisdiction, address="2111 w. bellevue ave")
    assert (found.lat, found.long, found.zipcode) == (34.08, -118.27, "90026")
    # A few metres off: the same door, nothing written. A kilometre off: a correction.
    near = [("2111 W BELLEVUE AVE", "90026", 34.0801, -118.2701)]
    assert record_addresses(jurisdiction=city.jurisdiction, addresses=near) == 0
    far = [("2111 W BELLEVUE AVE", "90026", 34.09, -118.27)]
    assert record_addresses(jurisdiction=city.jurisdiction, addresses=far) == 1
    assert resolve_address(jurisdiction=city.jurisdiction, address="2111 W BELLEVUE AVE").lat == (
        34.09
    )
    assert resolve_address(jurisdiction=city.jurisdiction, address="1 Nowhere Rd") is None
    assert set(
        resolve_addresses(
            jurisdiction=city.jurisdiction, addresses=["6122 EAST MESA AVENUE", "1 Nowhere Rd"]
        )
    ) == {"6122 EAST MESA AVENUE"}
    # Recording the same points again writes nothing.
    again = [("6122 E MESA AVE, 90042", "90042", 34.11, -118.19)]
    assert record_addresses(jurisdiction=city.jurisdiction, addresses=again) == 0
    assert AddressPoint.objects.count() == 2


@pytest.mark.django_db
def test_addresses_are_per_jurisdiction(city):
    from tests.factories import make_city

    other = make_city()
    record_addresses(jurisdiction=city.jurisdiction, addresses=[("1 MAIN ST", "", *INSIDE_WEST)])
    assert resolve_address(jurisdiction=other.jurisdiction, address="1 MAIN ST") is None


@pytest.mark.django_db
def test_import_places_rows_without_a_point_at_their_known_address(city, tmp_path):
    def row(id, at, address):
        return [id, "Pothole", "12/31/2017 11:59:58 PM", "", "Open", *at, address, "Call"]

    path = write_csv(
        tmp_path / "x.csv",
        SMALL_HEADER,
        [
            # The address-only row comes first: placing waits for the whole file.
            row("a", ("", ""), "2111 West Bellevue Avenue, Los Angeles"),
            row("b", INSIDE_EAST, "2111 W BELLEVUE AVE, 90026"),
            row("c", ("", ""), "1 UNKNOWN ST"),
        ],
    )

    result = run_import(path, city.jurisdiction, small_mapping(tmp_path))

    assert (result.created, result.located_by_address) == (2, 1)
    assert result.examples["no location"][0].message == (
        "row 4 has no coordinates and its address '1 UNKNOWN ST' is not in the index."
    )
    placed = ServiceRequest.objects.get(source_id="a")
    assert (placed.lat, placed.long, placed.zipcode) == (*INSIDE_EAST, "90026")
    assert list(placed.areas.all()) == [city.east]


def test_an_import_does_not_send_an_address_again_where_it_already_put_it(city):
    recorder = AddressRecorder(city.jurisdiction)
    door = ("1 MAIN ST", "", *INSIDE_WEST)
    assert recorder.record([door]) == 1
    nearby = ("1 Main Street", "", INSIDE_WEST[0] + 0.0001, INSIDE_WEST[1])
    assert recorder.record([nearby]) == 0  # not sent: the same door, metres away
    moved = ("1 MAIN ST", "", INSIDE_WEST[0] + 0.01, INSIDE_WEST[1])
    assert recorder.record([moved]) == 1
    assert AddressPoint.objects.get(normalized="1 MAIN ST").lat == INSIDE_WEST[0] + 0.01


@pytest.mark.django_db(transaction=True)
def test_each_batch_of_addresses_is_written_once_outside_a_transaction(city):
    # Outside a transaction (as on an import's own connection) each batch commits alone,
    # and what it staged on the way must not come back with the next batch.
    door = ("1 MAIN ST", "", *INSIDE_WEST)
    assert record_addresses(jurisdiction=city.jurisdiction, addresses=[door]) == 1
    corrected = AddressPoint.objects.filter(normalized="1 MAIN ST")
    corrected.update(lat=INSIDE_EAST[0], long=INSIDE_EAST[1])
    other = ("2 MAIN ST", "", *INSIDE_WEST)
    assert record_addresses(jurisdiction=city.jurisdiction, addresses=[other]) == 1
    assert (corrected.get().lat, corrected.get().long) == INSIDE_EAST
