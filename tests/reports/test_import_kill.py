"""An import killed with SIGKILL mid-way leaves nothing running and nothing locked: the
site goes on answering, and running the import again gives what a clean import gives."""

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from fixboard.reports.importing import indexes
from fixboard.reports.models import Event, RequestArea, ServiceRequest
from tests.factories import make_city, submit_pothole
from tests.reports.test_import_helpers import SF, run_import, san_francisco

pytestmark = pytest.mark.django_db(transaction=True)

COPIES = 2  # of the SF sample's 10,000 rows: enough batches to be killed between two
ANSWERED_WITHIN = 2.0
REQUESTS = (
    ServiceRequest._meta.db_table
)  # seconds, for a report made while an import is killed or re-run


@pytest.fixture(autouse=True)
def _tasks_queued(settings):
    # As deployed: a report's side effects go to the task worker, not into its answer.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def larger_sf(shared_data, tmp_path) -> Path:
    """The SF sample written COPIES times over, each copy with its own case ids."""
    path = tmp_path / "sf-larger.csv"
    with (shared_data / SF).open(newline="", encoding="utf-8-sig") as source:
        header, *rows = list(csv.reader(source))
    case = header.index("CaseID")
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for copy in range(COPIES):
            for row in rows:
                writer.writerow([*row[:case], f"{row[case]}-{copy}", *row[case + 1 :]])
    return path


def start_import(path: Path, slug: str, database_url: str, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "fixboard", "import-requests", str(path)]
    command += ["--jurisdiction", slug, "--mapping", "sf", "--no-progress", *extra]
    env = {**os.environ, "DATABASE_URL": database_url, "DATABASE_CONN_MAX_AGE": "0"}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a parent to reap it is not)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def kill_once_writing(process: subprocess.Popen, written) -> set[int]:
    """SIGKILL the import once it has committed rows but not finished; its readers' pids."""
    readers: set[int] = set()
    deadline = time.monotonic() + 60
    while not written():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the import wrote nothing"
        readers |= children(process.pid)
        time.sleep(0.02)
    readers |= children(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert readers, "the import forked no reader"
    return readers


def assert_gone(pids: set[int]) -> None:
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in pids if alive(pid)], "a reader outlived the killed import"


def answered_quickly(city) -> float:
    started = time.monotonic()
    submit_pothole(city)
    return time.monotonic() - started


def imported(jurisdiction) -> tuple:
    """What an import of the file made in the jurisdiction, compared without ids."""
    requests = ServiceRequest.objects.filter(jurisdiction=jurisdiction, source_id__isnull=False)
    rows = set(
        requests.values_list(
            "source_id", "service_type__name", "department__name", "status", "close_reason",
            "requested_at", "updated_at", "closed_at", "address", "lat", "long", "description",
        )
    )  # fmt: skip
    events = Event.objects.filter(request__in=requests)
    kinds = sorted(events.values_list("kind", flat=True))
    areas = RequestArea.objects.filter(request__in=requests).count()
    return rows, kinds, areas


def postgresql_url() -> str:
    settings = connection.settings_dict
    host, port = settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    user = quote(settings["USER"]) + (
        f":{quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
    )
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


def sessions_of(pid: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT application_name FROM pg_stat_activity WHERE application_name LIKE %s",
            [f"%pid {pid}"],
        )
        return [row[0] for row in cursor.fetchall()]


def writing(jurisdiction) -> bool:
    """Whether the import has committed rows and is in a transaction writing more."""
    if not ServiceRequest.objects.filter(jurisdiction=jurisdiction).exists():
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass "
            "AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()",
            [REQUESTS],
        )
        return bool(cursor.fetchone()[0])


@pytest.mark.database("postgresql")
def test_a_postgresql_import_killed_mid_way_blocks_nothing_and_its_rerun_equals_a_clean_one(
    shared_data, larger_sf
):
    clean = san_francisco(shared_data)
    clean.slug = "san-francisco-clean"
    clean.save(update_fields=["slug"])
    expected = run_import(larger_sf, clean, "sf")
    killed = san_francisco(shared_data)
    other = make_city()  # another city, live, whose reports must not wait
    url = postgresql_url()
    with connection.cursor() as cursor:  # a report stuck behind the import fails, not hangs
        cursor.execute("SET lock_timeout = '10s'")

    # Asked for bulk mode, the import takes every index and key of the tables off.
    process = start_import(larger_sf, killed.slug, url, "--bulk")
    readers = kill_once_writing(process, lambda: writing(killed))
    assert_gone(readers)
    assert 0 < ServiceRequest.objects.filter(jurisdiction=killed).count() < expected.created
    assert indexes.missing(), "killed before it built its indexes again"
    deadline = time.monotonic() + 5
    while sessions_of(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not sessions_of(process.pid), "the server still runs the killed import's session"
    assert answered_quickly(other) < ANSWERED_WITHIN

    rerun = start_import(larger_sf, killed.slug, url)
    waits, deadline = [], time.monotonic() + 120
    while rerun.poll() is None and time.monotonic() < deadline:
        waits.append(answered_quickly(other))
        time.sleep(0.05)
    if rerun.poll() is None:
        rerun.kill()
    out, err = rerun.communicate()
    assert rerun.returncode == 0, err.decode()
    assert waits and max(waits) < ANSWERED_WITHIN, waits

    assert imported(killed) == imported(clean)
    assert ServiceRequest.objects.filter(jurisdiction=killed).count() == expected.created
    assert indexes.missing() == []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_index WHERE NOT indisvalid "
            "UNION ALL SELECT count(*) FROM pg_constraint WHERE NOT convalidated"
        )
        assert [row[0] for row in cursor.fetchall()] == [0, 0]
    assert ServiceRequest.objects.filter(jurisdiction=other.jurisdiction).count() == len(waits) + 1


@pytest.mark.database("sqlite")
def test_a_sqlite_import_killed_mid_way_is_completed_by_running_it_again(
    shared_data, larger_sf, tmp_path
):
    city = san_francisco(shared_data)
    # The test database is in memory: the import's processes get a copy of it in a file.
    path = tmp_path / "fixboard.sqlite3"
    with sqlite3.connect(path) as copy:
        connection.connection.backup(copy)
    copy.close()
    url = f"sqlite:///{path}"

    names = "SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name"
    with connection.cursor() as cursor:
        cursor.execute(names)
        every_index = [row[0] for row in cursor.fetchall()]

    def writing() -> bool:
        """Bulk mode has taken the indexes off: the import writes its one transaction."""
        with sqlite3.connect(path, timeout=5) as db:
            return len(db.execute(names).fetchall()) < len(every_index)

    process = start_import(larger_sf, city.slug, url, "--bulk")
    assert_gone(kill_once_writing(process, writing))
    with sqlite3.connect(path) as db:  # its rows went with its transaction
        assert db.execute(f"SELECT count(*) FROM {REQUESTS}").fetchone()[0] == 0

    rerun = start_import(larger_sf, city.slug, url)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err.decode()
    db = sqlite3.connect(path)
    requests = db.execute(f"SELECT count(*) FROM {REQUESTS}").fetchone()[0]
    assert requests == COPIES * 9973  # every row but the 27 the sample's own skips
    imported_events = db.execute(
        f"SELECT count(*) FROM {Event._meta.db_table} WHERE kind = 'imported'"
    ).fetchone()[0]
    assert imported_events == requests
    in_file = [row[0] for row in db.execute(names)]
    db.close()
    assert in_file == every_index
