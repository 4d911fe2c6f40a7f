"""Streets of the address index: how a street line splits, and which typed names find it."""

import pytest

from fixboard.places.addresses import record_addresses
from fixboard.places.models import Street
from fixboard.places.search import matching_streets, nearest_address, search_addresses
from fixboard.places.streets import StreetName, keys_of, parse_street, split_number, street_of
from tests.factories import INSIDE_EAST, INSIDE_WEST


@pytest.mark.parametrize(
    ("street", "parts"),
    [
        ("E 4TH ST", StreetName("E", "4TH", "ST")),
        ("S SOTO ST", StreetName("S", "SOTO", "ST")),
        ("W FIRST ST", StreetName("W", "1ST", "ST")),
        ("TWENTY FIRST ST", StreetName("", "21ST", "ST")),
        ("AVE 50", StreetName("", "AVE 50", "")),
        ("N DE SOTO AVE", StreetName("N", "DE SOTO", "AVE")),
        ("BROADWAY", StreetName("", "BROADWAY", "")),
    ],
)
def test_parse_street(street, parts):
    assert parse_street(street) == parts


def test_typed_kinds_may_be_misspelt_or_spelled_out():
    assert parse_street("SOTO STRRET", typed=True) == StreetName("", "SOTO", "ST")
    assert parse_street("MESA AVENUE", typed=True) == StreetName("", "MESA", "AVE")
    assert parse_street("SOTO STRRET") == StreetName("", "SOTO STRRET", "")


def test_numbers_and_streets():
    assert split_number("1900 E 4TH ST") == ("1900", "E 4TH ST")
    assert split_number("5649-5647 TAMPA AVE") == ("5649-5647", "TAMPA AVE")
    assert split_number("4TH ST") == ("", "4TH ST")
    assert street_of("1900 E 4TH ST") == "E 4TH ST"
    assert street_of("N MARMION WAY AND N FIGUEROA ST") == ""  # a corner, not a street


def test_keys_hold_both_ordinal_forms_and_their_one_letter_typos():
    keys = keys_of("4TH")
    assert keys["4TH"] == keys["FOURTH"] == 0
    assert keys["FORTH"] == 1  # "fourth" with the u left out
    assert "4T" not in keys  # too short to guess at


@pytest.mark.django_db
def test_streets_are_kept_by_every_write_and_found_by_typos(city):
    j = city.jurisdiction
    record_addresses(
        jurisdiction=j,
        addresses=[
            ("1900 E 4th Street", "90033", *INSIDE_EAST),
            ("1900 W 4th Street", "90033", *INSIDE_WEST),
            ("526 S Soto Street", "90033", INSIDE_EAST[0] - 0.0004, INSIDE_EAST[1] + 0.0005),
        ],
    )
    assert set(Street.objects.filter(jurisdiction=j).values_list("name", flat=True)) == {
        "E 4TH ST",
        "W 4TH ST",
        "S SOTO ST",
    }
    assert matching_streets(j, "E FORTH ST")[0] == "E 4TH ST"
    assert matching_streets(j, "SOTTO") == ["S SOTO ST"]
    assert matching_streets(j, "PICO") == []
    assert [m.address for m in search_addresses(j, "1900 fourth")] == [
        "1900 E 4th Street",
        "1900 W 4th Street",
    ]
    assert search_addresses(j, "1900 e forth st")[0].address == "1900 E 4th Street"
    assert search_addresses(j, "fourth & soto")[0].kind == "intersection"
    assert search_addresses(j, "4th & pico") == []  # no such street: no corner, no guess
    assert search_addresses(j, "19") == []  # too short to search
    # The corner of W 4th and Soto is too far (the two are 10 km apart here).
    corners = search_addresses(j, "w 4th & soto")
    assert all(c.address != "W 4TH ST & S SOTO ST" for c in corners)
    assert nearest_address(j, INSIDE_EAST[0] + 0.0001, INSIDE_EAST[1]).address == (
        "1900 E 4th Street"
    )
    assert nearest_address(j, float("nan"), INSIDE_EAST[1]) is None
    assert nearest_address(j, 95.0, INSIDE_EAST[1]) is None
