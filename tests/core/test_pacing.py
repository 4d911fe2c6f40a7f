"""Calls to an outside service spaced across processes (fixboard.core.pacing): the turns
are kept in the shared rate-limit store, so two processes, or two clients of the store,
never call closer than the interval."""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection

from fixboard.core.pacing import turn

ROOT = Path(__file__).resolve().parents[2]
EVERY = 0.2
# A sleeping thread or process wakes a little after its time; the next one may not.
SLACK = 0.03

# One process of the installation: asks for `count` turns of `name` from `start` (a Unix
# time, the same for both processes) and prints the moment it got each.
PROCESS = """
import sys, time
import django
django.setup()
from fixboard.core.pacing import turn
name, start, count, every = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
time.sleep(max(0.0, start - time.time()))
for _ in range(count):
    assert turn(name, every=every, patience=30)
    print(time.time(), flush=True)
"""


def gaps(moments: list[float]) -> list[float]:
    ordered = sorted(moments)
    return [b - a for a, b in zip(ordered, ordered[1:], strict=False)]


@pytest.fixture
def database_store(settings):
    """The database counters as the store (what an installation without Redis uses)."""
    settings.CACHES = {
        **settings.CACHES,
        "pacing-test": {"BACKEND": "fixboard.core.counters.CounterCache"},
    }
    settings.RATELIMIT_USE_CACHE = "pacing-test"


def test_calls_of_one_process_wait_for_their_turn(db, database_store):
    name = f"test-{uuid.uuid4().hex}"
    moments = []
    for _ in range(4):
        assert turn(name, every=EVERY, patience=5)
        moments.append(time.time())
    assert all(gap >= EVERY - SLACK for gap in gaps(moments)), gaps(moments)
    assert turn(name, every=0, patience=0)  # no spacing asked: at once


def test_a_turn_later_than_the_patience_is_refused_at_once(db, database_store):
    name, every = f"test-{uuid.uuid4().hex}", 1.0
    store = caches["pacing-test"]
    running = int(time.time() // every)
    for slot in range(running, running + 4):  # another process holds the next seconds
        store.add(f"pacing:{name}:{slot}", 1, timeout=120)
    started = time.monotonic()
    assert not turn(name, every=every, patience=2)
    assert time.monotonic() - started < 0.5
    assert turn(name, every=every, patience=10)  # its turn comes within ten seconds…
    assert time.time() >= (running + 4) * every - SLACK  # …and it waited for it


@pytest.mark.database("postgresql")
@pytest.mark.django_db(transaction=True)
def test_two_clients_of_the_database_store_take_turns(database_store):
    name = f"test-{uuid.uuid4().hex}"
    start = threading.Barrier(2)
    moments, errors = [], []

    def client():
        try:
            start.wait()
            for _ in range(4):
                assert turn(name, every=EVERY, patience=30)
                moments.append(time.time())
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(moments) == 8
    assert all(gap >= EVERY - SLACK for gap in gaps(moments)), gaps(moments)


def test_two_processes_sharing_redis_take_turns():
    """Two Python processes of the installation, each with REDIS_URL, as two gunicorn
    workers or a web process and a worker are."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
    env.update(
        DJANGO_SETTINGS_MODULE="fixboard.settings",
        PYTHONPATH=str(ROOT),
        # A database of its own on the local Redis: no other test's flush reaches it.
        REDIS_URL="redis://127.0.0.1:6379/13",
    )
    name, start = f"test-{uuid.uuid4().hex}", time.time() + 8  # both started by then
    command = [sys.executable, "-c", PROCESS, name, str(start), "4", str(EVERY)]
    processes = [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0]

    moments = [float(line) for output in outputs for line in output.split()]
    assert len(moments) == 8
    assert all(gap >= EVERY - SLACK for gap in gaps(moments)), gaps(moments)
    assert min(moments) >= start
