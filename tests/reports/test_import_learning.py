"""On PostgreSQL, outside a transaction, the address index learns from an import's batches
on a connection of its own; the second pass still finds every address of the first, and a
failure there stops the import with its own error."""

import pytest
from django.db import connection

from fixboard.places.addresses import AddressRecorder
from fixboard.places.models import AddressPoint
from fixboard.reports.importing import learning
from fixboard.reports.models import ServiceRequest
from tests.factories import INSIDE_EAST, INSIDE_WEST
from tests.reports.test_import_helpers import SMALL_HEADER, run_import, small_mapping, write_csv

pytestmark = pytest.mark.django_db(transaction=True)
CREATED = "12/31/2017 11:59:58 PM"


@pytest.fixture
def export(tmp_path):
    rows = [
        ["L-1", "Pothole", CREATED, "", "Open", *INSIDE_WEST, "100 Main Street", "Call"],
        ["L-2", "Pothole", CREATED, "", "Open", *INSIDE_EAST, "7 Elm Ave, Los Angeles", "Call"],
        # No point: placed at the address the rows above taught the index.
        ["L-3", "Pothole", CREATED, "", "Open", "", "", "100 MAIN ST", "Call"],
    ]
    return write_csv(tmp_path / "export.csv", SMALL_HEADER, rows)


def test_addresses_are_learnt_and_used_by_the_second_pass(city, tmp_path, export, monkeypatch):
    learners = []
    made = learning.address_learner

    def recording(recorder):
        learners.append(made(recorder))
        return learners[-1]

    monkeypatch.setattr("fixboard.reports.importing.batch.address_learner", recording)
    result = run_import(export, city.jurisdiction, small_mapping(tmp_path))

    assert (result.created, result.located_by_address) == (3, 1)
    assert set(AddressPoint.objects.values_list("normalized", flat=True)) == {
        "100 MAIN ST",
        "7 ELM AVE",
    }
    placed = ServiceRequest.objects.get(source_id="L-3")
    assert (placed.lat, placed.long) == INSIDE_WEST
    # PostgreSQL learns on a second connection; SQLite has one writer at a time.
    background = isinstance(learners[0], learning.BackgroundAddresses)
    assert background == (connection.vendor == "postgresql")


def test_a_failure_to_learn_stops_the_import_with_its_error(city, tmp_path, export, monkeypatch):
    def broken(self, latest):
        raise RuntimeError("the address index is out of space")

    monkeypatch.setattr(AddressRecorder, "record_latest", broken)
    with pytest.raises(RuntimeError, match="out of space"):
        run_import(export, city.jurisdiction, small_mapping(tmp_path))
