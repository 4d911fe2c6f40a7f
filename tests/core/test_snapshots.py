import pytest
from django.db import connection, transaction

from fixboard.core.models import ConfigurationVersion
from fixboard.core.snapshots import Snapshot, configuration_changed, current_version
from fixboard.places.models import Jurisdiction

pytestmark = pytest.mark.django_db(transaction=True)  # commits and rollbacks as in production


def counting_loader(calls: list):
    def load(key):
        calls.append(key)
        return list(Jurisdiction.objects.order_by("slug").values_list("name", flat=True))

    return load


@pytest.fixture
def clock(settings, monkeypatch):
    settings.CONFIGURATION_CACHE_SECONDS = 5
    now = [1000.0]
    monkeypatch.setattr("fixboard.core.snapshots.time.monotonic", lambda: now[0])
    return now


def another_process_renames(slug: str, name: str) -> None:
    """Raw SQL and a version bump, as another process's committed change looks from here."""
    table = Jurisdiction._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET name = %s WHERE slug = %s", [name, slug])
        cursor.execute(
            f"UPDATE {ConfigurationVersion._meta.db_table} SET version = version + 1 WHERE id = 1"
        )


def test_another_process_change_is_seen_after_the_interval_and_never_before(clock):
    calls = []
    snapshot = Snapshot("test.other", counting_loader(calls), models=(Jurisdiction,))
    Jurisdiction.objects.create(slug="north", name="North", timezone="UTC")
    assert snapshot.get("all") == ["North"]
    another_process_renames("north", "North City")
    clock[0] += 4.9
    assert snapshot.get("all") == ["North"]
    clock[0] += 0.2
    assert snapshot.get("all") == ["North City"]
    clock[0] += 60  # nothing changed since: no reading again, however long
    assert snapshot.get("all") == ["North City"]
    assert calls == ["all", "all"]


def test_a_bulk_write_that_says_so_is_seen_by_every_process(clock):
    snapshot = Snapshot("test.bulk", counting_loader([]), models=(Jurisdiction,))
    assert snapshot.get("all") == []
    before = current_version()
    with transaction.atomic():
        Jurisdiction.objects.bulk_create([Jurisdiction(slug="east", name="East", timezone="UTC")])
        configuration_changed()
    assert current_version() == before + 1
    assert snapshot.get("all") == ["East"]  # this process: at once, after the commit


def test_a_change_saved_in_this_process_is_seen_at_once(clock):
    snapshot = Snapshot("test.saved", counting_loader([]), models=(Jurisdiction,))
    assert snapshot.get("all") == []
    Jurisdiction.objects.create(slug="north", name="North", timezone="UTC")
    assert snapshot.get("all") == ["North"]


def test_a_rolled_back_change_moves_nothing(clock):
    calls = []
    snapshot = Snapshot("test.rolled_back", counting_loader(calls), models=(Jurisdiction,))
    Jurisdiction.objects.create(slug="north", name="North", timezone="UTC")
    assert snapshot.get("all") == ["North"]
    before = current_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Jurisdiction.objects.create(slug="south", name="South", timezone="UTC")
        raise RuntimeError("the admin form failed after the save")
    clock[0] += 10
    assert current_version() == before
    assert snapshot.get("all") == ["North"]
    assert calls == ["all"]


def test_any_save_or_delete_of_configuration_raises_the_version(city):
    from fixboard.catalog.models import Department

    before = current_version()
    department = Department.objects.create(
        jurisdiction=city.jurisdiction, code="water", name="Water"
    )
    department.delete()
    assert current_version() == before + 2
