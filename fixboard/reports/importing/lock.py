"""One import or index rebuild at a time on a database.

Two at once would take indexes off and build them under each other. The lock dies with
its holder, however it ends: on PostgreSQL a session advisory lock (the server lets go
when the session ends), on SQLite `flock` on a file beside the database (the kernel
lets go when the process ends). A later run that finds the lock taken says who holds
it. On PostgreSQL, a holder whose process on this machine is gone but whose session
the server still runs (a statement it had not finished) is ended, so a re-run after a
kill never waits for it.
"""

import contextlib
import fcntl
import hashlib
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from django.db import connection
from django.utils.translation import gettext as _

IMPORT_LOCK = 311_001  # advisory lock class of request imports
KEY = (IMPORT_LOCK, 0)  # each batch locks (IMPORT_LOCK, its jurisdiction's id), never 0
TAG = "fixboard import"
# How long a run waits for a dead holder's session to end before it gives up.
STALE_WAIT_SECONDS = 10.0
_held = threading.local()


class ImportRunning(Exception):
    """Another import or index rebuild holds the lock."""

    def __init__(self, holder: str):
        super().__init__(
            _(
                "Another import or index rebuild is running on this database (%(h)s). "
                "Run this again once it has finished."
            )
            % {"h": holder}
        )


@contextmanager
def exclusive() -> Iterator[None]:
    """Within: this is the only import or rebuild on the database; else ImportRunning.

    Re-entrant within a thread (an import rebuilds indexes under its own lock).
    """
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield
        finally:
            _held.depth -= 1
        return
    locked = _postgresql_lock if connection.vendor == "postgresql" else _file_lock
    with locked():
        _held.depth = 1
        try:
            yield
        finally:
            _held.depth = 0


def _identity() -> str:
    return f"{TAG} on {socket.gethostname()} pid {os.getpid()}"


@contextmanager
def _postgresql_lock() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", KEY)
        if not cursor.fetchone()[0]:
            _wait_for_dead_holder(cursor)
        tag_session(cursor)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", KEY)
            cursor.execute("RESET application_name; RESET client_connection_check_interval")


def tag_session(cursor) -> None:
    """Mark a PostgreSQL session of this import (each of its connections calls this).

    The name shows in pg_stat_activity, says who holds the lock to a run refused, and
    lets a re-run end the sessions of an import that died. The check interval has the
    server end a statement (an index build, say) soon after the import's process dies,
    rather than finish it and its locks first.
    """
    cursor.execute(
        "SELECT set_config('application_name', %s, false), "
        "set_config('client_connection_check_interval', '1s', false)",
        [_identity()],
    )


def _holder(cursor) -> tuple[int, str, datetime] | None:
    """(server pid, application name, since when) of the lock's holder, if any."""
    cursor.execute(
        "SELECT a.pid, a.application_name, a.backend_start FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' "
        "AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 2 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        KEY,
    )
    return cursor.fetchone()


def _wait_for_dead_holder(cursor) -> None:
    """Take the lock from a holder whose process is gone, or raise ImportRunning."""
    deadline = time.monotonic() + STALE_WAIT_SECONDS
    while True:
        holder = _holder(cursor)
        if holder is not None:
            pid, name, since = holder
            if not _dead_here(name):
                raise ImportRunning(_described(name or f"server process {pid}", since))
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                [name],
            )
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", KEY)
        if cursor.fetchone()[0]:
            return
        if time.monotonic() > deadline:
            raise ImportRunning(_("a session that does not end"))
        time.sleep(0.2)


def _dead_here(name: str) -> bool:
    """Whether `name` is an import's tag naming a process of this machine that is gone."""
    prefix = f"{TAG} on {socket.gethostname()} pid "
    if not name.startswith(prefix) or not name[len(prefix) :].isdigit():
        return False
    try:
        os.kill(int(name[len(prefix) :]), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _described(holder: str, since: datetime) -> str:
    return _("%(h)s, since %(t)s UTC") % {
        "h": holder,
        "t": since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
    }


def lock_path() -> Path:
    """The lock file of the SQLite database: beside it, or (in memory) a private one."""
    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():
        # Nobody outside this process can see the database.
        digest = hashlib.sha256(f"{name} {os.getpid()}".encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"fixboard-import-{digest}.lock"
    return Path(f"{name}.import-lock")


@contextmanager
def _file_lock() -> Iterator[None]:
    path = lock_path()
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            raise ImportRunning(handle.read().strip() or str(path)) from None
        handle.truncate(0)
        handle.write(_described(_identity(), datetime.now(UTC)))
        handle.flush()
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                handle.truncate(0)
                if connection.is_in_memory_db():  # this process's own: nobody else opens it
                    path.unlink()
            fcntl.flock(handle, fcntl.LOCK_UN)
