"""A large load of address points goes without the key to the jurisdiction, and always
ends with it in place and checked (PostgreSQL; SQLite keeps it)."""

import pytest
from django.core.checks import run_checks
from django.db import connection

from fixboard.places import bulk_load
from fixboard.places.actions import create_jurisdiction
from fixboard.places.address_import import import_addresses
from fixboard.places.models import AddressPoint
from fixboard.places.search import nearest_address, search_addresses
from tests.places.test_import_addresses import oa_row, write_oa

pytestmark = [
    pytest.mark.django_db(transaction=True),  # as in production: no transaction around it
    pytest.mark.database("postgresql"),
]


@pytest.fixture
def place():
    return create_jurisdiction(slug="grid-city", name="Grid City", timezone="UTC")


def keys() -> dict[str, bool]:
    with connection.cursor() as cursor:
        return bulk_load._keys(cursor)


@pytest.fixture
def drops(monkeypatch):
    """The keys left right after each time a load took them off."""
    seen = []
    drop = bulk_load._drop

    def spied() -> bool:
        dropped = drop()
        seen.append(keys() if dropped else None)
        return dropped

    monkeypatch.setattr(bulk_load, "_drop", spied)
    monkeypatch.setattr(bulk_load, "BULK_MIN_ROWS", 100)
    return seen


def grid(tmp_path, name: str, last: int, first: int = 1):
    rows = [oa_row(str(n), "Main St", 34.0 + n * 0.0001, -118.25) for n in range(first, last + 1)]
    return write_oa(tmp_path / name, rows)


def missing_key_warned() -> bool:
    # The request import's check (reports) minds this key too.
    return any(w.id == "fixboard.W010" for w in run_checks(databases=["default"]))


def test_a_first_load_adds_the_key_back_at_the_end(place, tmp_path, drops):
    path = grid(tmp_path, "first.csv", 500)
    result = import_addresses(path=path, jurisdiction=place)
    assert (result.rows, result.added, result.known) == (500, 500, 0)
    assert drops == [{}]  # no key during the load
    [(name, checked)] = keys().items()
    assert checked and name.startswith("places_addresspoint_jurisdiction_id_")
    assert not missing_key_warned()
    assert search_addresses(place, "250 main")[0].address == "250 Main St"
    assert nearest_address(place, 34.025, -118.25).address == "250 Main St"
    # Again: nothing new (and as large as the table, so again without the key).
    result = import_addresses(path=path, jurisdiction=place)
    assert (result.added, result.known) == (0, 500)
    assert AddressPoint.objects.filter(jurisdiction=place).count() == 500


def test_a_small_load_into_a_much_larger_table_keeps_it(place, tmp_path, drops):
    import_addresses(path=grid(tmp_path, "first.csv", 2000), jurisdiction=place)
    drops.clear()
    result = import_addresses(path=grid(tmp_path, "more.csv", 2150, 2001), jurisdiction=place)
    assert result.added == 150 and drops == []  # 150 rows, not a tenth of 2,000
    assert all(keys().values())


def test_a_load_that_died_is_repaired_by_the_next(place, tmp_path, drops):
    bulk_load._drop()  # as a load killed before it added the key back leaves the table
    drops.clear()
    assert keys() == {} and missing_key_warned()
    result = import_addresses(path=grid(tmp_path, "small.csv", 20), jurisdiction=place)
    assert result.added == 20 and drops == []  # too small to go without it
    assert all(keys().values()) and len(keys()) == 1 and not missing_key_warned()


def test_a_load_that_fails_still_ends_with_the_key(place, tmp_path, drops, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("fixboard.places.address_import.latest_addresses", broken)
    with pytest.raises(RuntimeError):
        import_addresses(path=grid(tmp_path, "first.csv", 500), jurisdiction=place)
    assert drops == [{}] and all(keys().values()) and len(keys()) == 1
