import pytest

from fixboard.core.snapshots import Snapshot
from fixboard.places.models import Jurisdiction

pytestmark = pytest.mark.django_db


def counting_loader(calls: list):
    def load(key):
        calls.append(key)
        return sorted(Jurisdiction.objects.values_list("slug", flat=True))

    return load


def test_kept_for_the_configured_seconds_then_read_again(settings, monkeypatch):
    settings.CONFIGURATION_CACHE_SECONDS = 5
    clock = [1000.0]
    monkeypatch.setattr("fixboard.core.snapshots.time.monotonic", lambda: clock[0])
    calls = []
    snapshot = Snapshot("test.kept", counting_loader(calls))
    Jurisdiction.objects.create(slug="north", name="North", timezone="UTC")
    assert snapshot.get("all") == ["north"]
    # Changed by another process (no signal here): not seen until the time is up.
    Jurisdiction.objects.bulk_create([Jurisdiction(slug="south", name="South", timezone="UTC")])
    clock[0] += 4.9
    assert snapshot.get("all") == ["north"]
    clock[0] += 0.2
    assert snapshot.get("all") == ["north", "south"]
    assert calls == ["all", "all"]


def test_a_change_saved_in_this_process_is_seen_at_once(settings):
    settings.CONFIGURATION_CACHE_SECONDS = 600
    snapshot = Snapshot("test.saved", counting_loader([]), models=(Jurisdiction,))
    assert snapshot.get("all") == []
    Jurisdiction.objects.create(slug="north", name="North", timezone="UTC")
    assert snapshot.get("all") == ["north"]
