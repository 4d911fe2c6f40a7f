"""A kept connection is checked without a round trip, and a dead one is still caught."""

import time

import psycopg
import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_quiet_connection_is_usable_without_asking_the_server(monkeypatch):
    connection.ensure_connection()
    if connection.vendor != "postgresql":
        assert connection.is_usable()  # SQLite has no server to lose
        return
    sent = []
    monkeypatch.setattr(
        type(connection.connection), "execute", lambda self, *a, **k: sent.append(a)
    )
    assert connection.is_usable()
    assert sent == []


def test_a_connection_the_server_ended_is_not_usable():
    connection.ensure_connection()
    if connection.vendor != "postgresql":
        assert connection.is_usable()
        return
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    for _ in range(50):  # the server's goodbye reaches the socket within moments
        if not connection.is_usable():
            break
        time.sleep(0.02)
    assert not connection.is_usable()
    connection.close()
