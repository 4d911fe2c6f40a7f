"""Bulk mode: a large import takes the secondary indexes (and on PostgreSQL the foreign
keys) off and always puts every one back, even after a failure or a crash."""

import os
import socket
import subprocess
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.backends.utils import CursorWrapper

from fixboard.places.models import AddressPoint
from fixboard.reports.importing import (
    import_requests,
    importer,
    indexes,
    load_mapping,
    lock,
    rebuild,
)
from fixboard.reports.importing.batch import BatchWriter
from fixboard.reports.importing.importer import estimated_rows
from fixboard.reports.importing.lock import exclusive
from fixboard.reports.models import Event, RequestArea, ServiceRequest, Status
from tests.factories import INSIDE_EAST, INSIDE_WEST, make_city, submit_pothole
from tests.reports.test_import_helpers import SMALL_HEADER, run_import, small_mapping, write_csv

pytestmark = pytest.mark.django_db

TABLES = [m._meta.db_table for m in (ServiceRequest, Event, RequestArea, AddressPoint)]
CREATED = "12/31/2017 11:59:58 PM"


def schema() -> dict[str, set[str]]:
    """{table: names of its indexes and constraints}."""
    with connection.cursor() as cursor:
        return {t: set(connection.introspection.get_constraints(cursor, t)) for t in TABLES}


def foreign_keys(table: str) -> set[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name for name, info in found.items() if info["foreign_key"]}


@pytest.fixture
def export(tmp_path):
    return write_csv(
        tmp_path / "export.csv",
        SMALL_HEADER,
        [
            ["B-1", "Pothole", CREATED, "", "Open", *INSIDE_WEST, "1 MAIN ST", "Call"],
            ["B-2", "Pothole", CREATED, "01/02/2018 09:00:00 AM", "Closed", *INSIDE_EAST, "", ""],
        ],
    )


def run_bulk(city, tmp_path, export):
    return import_requests(
        path=export,
        jurisdiction=city.jurisdiction,
        mapping=load_mapping(small_mapping(tmp_path)),
        bulk=True,
    )


def test_a_bulk_import_writes_the_same_requests_and_leaves_every_index_in_place(
    city, tmp_path, export, monkeypatch
):
    before, during = schema(), []
    write = BatchWriter.write_placed

    def looking(self, placed):
        during.append(schema())
        return write(self, placed)

    monkeypatch.setattr(BatchWriter, "write_placed", looking)
    result = run_bulk(city, tmp_path, export)

    requests = during[0][ServiceRequest._meta.db_table]
    assert "sr_lat_long" not in requests and "sr_juris_requested" not in requests
    assert "sr_unique_source_id" in requests  # unique indexes keep the import correct
    # Imported rows never enter an index of assigned requests: it costs nothing to keep.
    assert "sr_assignee" in requests and "event_actor_user" in during[0][Event._meta.db_table]
    if connection.vendor == "postgresql":
        # The address index keeps its indexes (its upsert needs the unique one), not its key.
        for table in (Event._meta.db_table, AddressPoint._meta.db_table):
            assert foreign_keys(table) and not foreign_keys(table) & during[0][table]
        assert "address_unique_per_jurisdiction" in during[0][AddressPoint._meta.db_table]
    assert (result.created, result.updated) == (2, 0)
    assert schema() == before
    closed = ServiceRequest.objects.get(source_id="B-2")
    assert closed.status == Status.CLOSED
    assert [e.kind for e in closed.events.order_by("created_at")] == [
        Event.Kind.IMPORTED,
        Event.Kind.STATUS_CHANGED,
    ]
    assert closed.areas.exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_postgresql_builds_indexes_from_two_connections(
    city, tmp_path, export, monkeypatch
):
    before, builders = schema(), set()
    execute = CursorWrapper.execute

    def recording(self, sql, params=None):
        if sql.startswith("CREATE INDEX"):
            builders.add(threading.get_ident())
        return execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", recording)
    result = run_bulk(city, tmp_path, export)
    assert (result.created, result.updated) == (2, 0)
    assert schema() == before
    # SQLite has one writer: it builds them one by one.
    assert len(builders) == (rebuild.BUILDERS if connection.vendor == "postgresql" else 1)


def test_a_rebuild_builds_a_missing_index_and_checks_a_key_added_but_not_checked(city):
    requests, events = ServiceRequest._meta.db_table, Event._meta.db_table
    [(_, _, create)] = [i for i in indexes._secondary_indexes() if i[1] == "sr_lat_long"]
    with connection.cursor() as cursor:
        cursor.execute('DROP INDEX "sr_lat_long"')
    expected = [(requests, create)]
    keys = [k for k in indexes._foreign_keys() if k.table == events and k.column == "request_id"]
    for key in keys:  # PostgreSQL's: SQLite keeps its keys
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER TABLE "{events}" DROP CONSTRAINT "{key.name}"')
            cursor.execute(f"{key.sql} NOT VALID")  # as if the rebuild died before its check
        expected.append((events, f'ALTER TABLE "{events}" VALIDATE CONSTRAINT "{key.name}"'))
    assert indexes.missing() == expected
    assert indexes.restore_indexes() == len(expected)
    assert indexes.missing() == []
    for key in keys:
        with connection.cursor() as cursor:
            cursor.execute("SELECT convalidated FROM pg_constraint WHERE conname = %s", [key.name])
            assert cursor.fetchone() == (True,)


def test_the_planner_counts_the_first_batch_before_the_next_one_looks_up_its_ids(
    city, tmp_path, monkeypatch
):
    # Taken for an empty table, a first batch of 983 rows was compared with every id of
    # the next batch: a quarter of a small import's time.
    export = write_csv(
        tmp_path / "three.csv",
        SMALL_HEADER,
        [[f"P-{n}", "Pothole", CREATED, "", "Open", *INSIDE_WEST, "", ""] for n in range(1, 4)],
    )
    first = [["P-0", "Pothole", CREATED, "", "Open", *INSIDE_WEST, "", ""]]
    run_import(
        write_csv(tmp_path / "first.csv", SMALL_HEADER, first),
        city.jurisdiction,
        small_mapping(tmp_path),
    )  # so the next import looks its ids up
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ServiceRequest._meta.db_table}")  # as in a new city
    seen = []
    execute = CursorWrapper.execute

    def recording(self, sql, params=None):
        if sql.startswith("ANALYZE"):
            seen.append("statistics")
        elif sql.startswith('SELECT "source_id"'):
            seen.append("look-up")
        return execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", recording)
    import_requests(
        path=export,
        jurisdiction=city.jurisdiction,
        mapping=load_mapping(small_mapping(tmp_path)),
        batch_size=2,
    )
    # SQLite plans the look-up from the unique index's shape: it needs no statistics.
    postgresql = connection.vendor == "postgresql"
    expected = ["look-up", "statistics", "look-up"] if postgresql else ["look-up", "look-up"]
    assert seen[: len(expected)] == expected


def test_a_failed_bulk_import_puts_the_indexes_back(city, tmp_path, export, monkeypatch):
    before = schema()

    def broken(self, *batch):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(BatchWriter, "_create", broken)
    with pytest.raises(RuntimeError):
        run_bulk(city, tmp_path, export)
    assert schema() == before


def test_the_next_import_repairs_indexes_left_off_by_a_crashed_one(city, tmp_path, export):
    before = schema()
    indexes.drop_secondary_indexes()  # as if the process died before its rebuild
    assert schema() != before
    run_import(export, city.jurisdiction, small_mapping(tmp_path))
    assert schema() == before


# On SQLite the figure is the highest id: ids must start afresh, whatever ran before on
# this worker's database (a transactional test elsewhere moves SQLite's sequence on).
@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_bulk_mode_is_for_files_larger_than_what_is_stored(city, tmp_path, export):
    assert estimated_rows(export) == 3  # the header and two rows, from the file's size
    run_import(export, city.jurisdiction, small_mapping(tmp_path))
    # PostgreSQL's figure is the planner's estimate, refreshed by ANALYZE.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ServiceRequest._meta.db_table}")
    assert indexes.table_rows() == 2


def test_missing_indexes_are_reported_by_the_checks_and_rebuilt_by_a_command():
    from io import StringIO

    from django.core.checks import run_checks
    from django.core.management import call_command

    assert not [w for w in run_checks(databases=["default"]) if w.id == "fixboard.W010"]
    before = schema()
    indexes.drop_secondary_indexes()
    [warning] = [w for w in run_checks(databases=["default"]) if w.id == "fixboard.W010"]
    assert "an import stopped before it rebuilt them" in warning.msg
    out = StringIO()
    call_command("rebuild_indexes", "--no-progress", stdout=out)
    assert "Built" in out.getvalue()
    assert schema() == before
    out = StringIO()
    call_command("rebuild_indexes", "--no-progress", stdout=out)
    assert out.getvalue().strip() == "Every index and constraint is in place."


def test_the_planner_has_statistics_after_an_import(city, tmp_path, export):
    table = ServiceRequest._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # SQLite keeps none by itself: every import sees to it
            run_import(export, city.jurisdiction, small_mapping(tmp_path))
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
            assert cursor.fetchone()[0] > 0
        else:  # the index builds count the rows; autovacuum keeps the rest of them
            run_bulk(city, tmp_path, export)
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
            assert cursor.fetchone()[0] == 2


def test_bulk_mode_is_not_chosen_while_another_city_has_requests_unless_asked(
    city, tmp_path, export, monkeypatch
):
    # The small file counts as large: only the rule on who else is there decides.
    monkeypatch.setattr(importer, "BULK_MIN_ROWS", 1)
    monkeypatch.setattr(importer, "table_rows", lambda: 0)
    before, during = schema(), []
    write = BatchWriter.write_placed

    def looking(self, placed):
        during.append(schema())
        return write(self, placed)

    monkeypatch.setattr(BatchWriter, "write_placed", looking)
    mapping = small_mapping(tmp_path)
    run_import(export, city.jurisdiction, mapping)  # the table holds nothing else: bulk
    assert during.pop() != before

    submit_pothole(make_city())  # another city, live
    run_import(export, city.jurisdiction, mapping)
    assert during.pop() == before  # its indexes stayed while the file was written

    import_requests(
        path=export, jurisdiction=city.jurisdiction, mapping=load_mapping(mapping), bulk=True
    )
    assert during.pop() != before  # the operator asked
    assert schema() == before


def test_the_command_warns_that_bulk_mode_slows_other_cities(city, tmp_path, export):
    submit_pothole(make_city())
    err = StringIO()
    call_command(
        "import_requests", export, "--jurisdiction", city.jurisdiction.slug,
        "--mapping", small_mapping(tmp_path), "--bulk", "--no-progress",
        stdout=StringIO(), stderr=err,
    )  # fmt: skip
    assert "takes the indexes of every city's requests off" in err.getvalue()


def test_an_import_or_rebuild_is_refused_while_another_runs(city, tmp_path, export):
    holding, release = threading.Event(), threading.Event()

    def other_import():  # on a connection of its own, as another process would be
        try:
            with exclusive():
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=other_import)
    other.start()
    try:
        assert holding.wait(10)
        mapping = small_mapping(tmp_path)
        for command, *args in (
            ("import_requests", export, "--jurisdiction", city.jurisdiction.slug,
             "--mapping", mapping),
            ("rebuild_indexes",),
        ):  # fmt: skip
            with pytest.raises(CommandError) as refused:
                call_command(command, *args, "--no-progress", stdout=StringIO())
            message = str(refused.value)
            assert "Another import or index rebuild is running on this database" in message
            assert f"pid {os.getpid()}" in message and "since" in message
        assert not ServiceRequest.objects.exists()
    finally:
        release.set()
        other.join()
    assert run_import(export, city.jurisdiction, small_mapping(tmp_path)).created == 2


# On SQLite the kernel frees the lock with the process.
@pytest.mark.database("postgresql")
@pytest.mark.django_db(transaction=True)
def test_a_lock_left_by_a_dead_import_whose_session_lives_on_is_taken_over():
    dead = _dead_pid()
    holding, done = threading.Event(), threading.Event()

    def session_of_a_dead_import():  # as the server still runs it, mid-statement
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", lock.KEY)
                tag = f"{lock.TAG} on {socket.gethostname()} pid {dead}"
                cursor.execute("SELECT set_config('application_name', %s, false)", [tag])
                holding.set()
                done.wait(10)
        finally:
            connection.close()

    other = threading.Thread(target=session_of_a_dead_import)
    other.start()
    try:
        assert holding.wait(10)
        with exclusive(), connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                           [f"{lock.TAG} on {socket.gethostname()} pid {dead}"])  # fmt: skip
            assert cursor.fetchone()[0] == 0
    finally:
        done.set()
        other.join()


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid
