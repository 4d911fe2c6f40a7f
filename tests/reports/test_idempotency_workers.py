"""Fault test: 20 simultaneous retries with one Idempotency-Key, spread over two gunicorn
workers with no shared cache, make one request and all get its id (REST and Open311).

Runs on the suite's database: a file SQLite database, or PostgreSQL when the suite runs on it.
"""

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.demo.test_run import free_port

# The suite's test database is copied for the servers; the tests themselves do not use it.
pytestmark = pytest.mark.django_db

RETRIES = 20
SETUP = """
import django
django.setup()
from fixboard.accounts.apikeys import issue_api_key
from tests.factories import make_city
city = make_city()
print(issue_api_key(name="App", jurisdiction_slugs=[], rate_limit_per_minute=1000)[1])
"""


def _copy_test_database(target: str) -> str | None:
    """A copy of the suite's empty, migrated test database (quicker than migrating one): the
    SQLite file `target`, or a PostgreSQL database; the latter's URL."""
    from django.db import connection

    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        return None
    url = urlsplit(os.environ["DATABASE_URL"])
    copy = f"{connection.settings_dict['NAME']}_workers"
    connection.close()  # a template database must have no other session
    with connection._nodb_cursor() as cursor:
        # Connections kept by earlier tests' server threads (CONN_MAX_AGE) would be others.
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [connection.settings_dict["NAME"]],
        )
        cursor.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        cursor.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{connection.settings_dict["NAME"]}"')
    return urlunsplit(url._replace(path=f"/{copy}"))


def _drop(url: str) -> None:
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path[1:]}" WITH (FORCE)')


@pytest.fixture(scope="module")
def installation(django_db_setup, django_db_blocker, tmp_path_factory):
    """A database with a city and an API key, and the environment that uses it."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG", "REDIS_URL")}
    var = tmp_path_factory.mktemp("var")
    env.update(FIXBOARD_VAR_DIR=str(var), PYTHONUNBUFFERED="1")
    env["DJANGO_SETTINGS_MODULE"] = "fixboard.settings"
    with django_db_blocker.unblock():
        url = _copy_test_database(str(var / "fixboard.sqlite3"))
    if url:
        env["DATABASE_URL"] = url
    try:
        done = subprocess.run(
            [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        key = done.stdout.split()[-1]
        yield env, key, url
    finally:
        if url:
            with django_db_blocker.unblock():
                _drop(url)


@pytest.fixture(scope="module")
def server(installation, tmp_path_factory):
    """Gunicorn with two workers, as `make run` starts it; each has its own memory cache."""
    env, key, url = installation
    port = free_port()
    log = open(tmp_path_factory.mktemp("log") / "gunicorn.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "fixboard.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--no-control-socket"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(process, base, log)
        yield base, key, lambda: _count_requests(env, url)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def _wait_until_serving(process, base, log):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read()
        try:
            with urllib.request.urlopen(f"{base}/api/v1/services", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    log.seek(0)
    pytest.fail(f"gunicorn not serving after 30 s:\n{log.read()}")


def _count_requests(env, url) -> int:
    query = "SELECT COUNT(*) FROM reports_servicerequest"
    if url:
        import psycopg

        with psycopg.connect(url) as connection:
            return connection.execute(query).fetchone()[0]
    path = os.path.join(env["FIXBOARD_VAR_DIR"], "fixboard.sqlite3")
    with sqlite3.connect(path) as connection:
        return connection.execute(query).fetchone()[0]


def _all_at_once(send) -> list[tuple[int, bytes]]:
    start = threading.Barrier(RETRIES)

    def one(_n):
        start.wait()
        try:
            with urllib.request.urlopen(send(), timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    with ThreadPoolExecutor(max_workers=RETRIES) as pool:
        return list(pool.map(one, range(RETRIES)))


def test_rest_retries_over_two_workers_make_one_request(server):
    base, key, count = server
    before = count()
    body = json.dumps(
        {"service_code": "pothole", "lat": 34.05, "long": -118.25, "attributes": {"depth": "deep"}}
    ).encode()
    headers = {"X-Api-Key": key, "Content-Type": "application/json", "Idempotency-Key": "rest-1"}

    answers = _all_at_once(
        lambda: urllib.request.Request(f"{base}/api/v1/requests", body, headers, method="POST")
    )

    assert [status for status, _body in answers] == [201] * RETRIES, answers
    assert len({json.loads(body)["id"] for _status, body in answers}) == 1
    assert count() == before + 1


def test_open311_retries_over_two_workers_make_one_request(server):
    base, key, count = server
    before = count()
    form = urllib.parse.urlencode(
        {"api_key": key, "service_code": "pothole", "lat": 34.05, "long": -118.25}
        | {"attribute[depth]": "deep"}
    ).encode()
    headers = {"Idempotency-Key": "open311-1"}

    answers = _all_at_once(
        lambda: urllib.request.Request(f"{base}/open311/v2/requests.json", form, headers)
    )

    assert [status for status, _body in answers] == [200] * RETRIES, answers
    assert len({json.loads(body)[0]["service_request_id"] for _status, body in answers}) == 1
    assert count() == before + 1
