"""The first reading of a file is shared by several forked readers, each parsing every
n-th batch; the rows without a point wait in memory, or when many are read again. Each
way must import exactly what one reader in one thread does."""

import csv

import pytest

from fixboard.reports.importing import (
    batch,
    import_requests,
    importer,
    load_mapping,
    shipped_mapping,
)
from fixboard.reports.models import Event, RequestArea, ServiceRequest
from tests.reports.test_import_helpers import LA_2017, los_angeles

pytestmark = pytest.mark.django_db

ROWS = 3000


@pytest.fixture
def export(shared_data, tmp_path):
    """The first rows of the real LA 2017 file (some with an address but no point)."""
    path = tmp_path / "la-2017-head.csv"
    with (
        open(shared_data / LA_2017, encoding="utf-8-sig", newline="") as source,
        open(path, "w", encoding="utf-8", newline="") as target,
    ):
        reader, writer = csv.reader(source), csv.writer(target)
        for _, record in zip(range(ROWS + 1), reader, strict=False):
            writer.writerow(record)
    return path


def imported(city, path):
    result = import_requests(
        path=path,
        jurisdiction=city,
        mapping=load_mapping(shipped_mapping("la-2017")),
        batch_size=400,
        bulk=False,
    )
    requests = sorted(
        ServiceRequest.objects.values_list(
            "source_id", "status", "lat", "long", "service_type__name", "closed_at", "address"
        )
    )
    areas = sorted(RequestArea.objects.values_list("request__source_id", "area__code"))
    events = sorted(Event.objects.values_list("request__source_id", "kind", "created_at"))
    counts = (result.rows, result.created, dict(result.skipped), result.located_by_address)
    return counts, requests, areas, events


def test_forked_readers_import_what_one_thread_does(shared_data, export, monkeypatch):
    city = los_angeles(shared_data)
    monkeypatch.setattr(importer, "CAN_FORK", False)
    one = imported(city, export)
    assert one[0][3] > 0  # some rows were placed at their address
    ServiceRequest.objects.all().delete()

    monkeypatch.setattr(importer, "CAN_FORK", True)
    monkeypatch.setattr(importer, "READERS", 3)
    monkeypatch.setattr(importer, "FIRST_BATCH_SIZE", 100)  # batches of 100, 200, then 400
    assert imported(city, export) == one

    ServiceRequest.objects.all().delete()
    monkeypatch.setattr(batch, "DEFERRED_ROWS_KEPT", 10)  # too many: the file is read again
    assert imported(city, export) == one
