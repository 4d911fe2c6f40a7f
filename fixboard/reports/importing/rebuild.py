"""Run a rebuild's statements on two connections, in an order their locks allow.

CREATE INDEX locks its table only against writes: other builds on it go on beside. A
table's fresh statistics (ANALYZE) and the checks of its foreign keys (VALIDATE) lock it
against builds and against each other, but not the tables the keys point at. So each
table's builds come first, any number at once; then its statistics and checks, one at a
time, while the other tables' builds and checks go on beside them. The table with the
most work comes first: its checks, which must wait for all of its builds and then run one
by one, start early, and the smaller tables' work fills in beside them.
"""

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from functools import partial

from django.db import OperationalError, connection, transaction

from .lock import tag_session

# Connections working at once: the server builds each index on one core.
BUILDERS = 2
LOCAL_HOSTS = ("", "localhost", "127.0.0.1", "::1")
# How long a statement of the import waits for a table's lock (PostgreSQL). While it
# waits, every write of the site to that table waits behind it; so it gives up soon and
# tries again a little later, rather than queue behind a long transaction of the site.
LOCK_TIMEOUT = "500ms"
LOCK_ATTEMPTS = 40
LOCK_NOT_AVAILABLE = "55P03"


def retried(run: Callable[[], None], *, atomic: bool = True) -> None:
    """Run DDL that must lock a table, giving way to the site while the lock is busy.

    `run` runs in a transaction of its own when `atomic`, with LOCK_TIMEOUT on
    PostgreSQL (not `atomic`: the caller sets it); on a timeout it is run again after
    a growing pause.
    """
    postgresql = connection.vendor == "postgresql"
    for attempt in range(LOCK_ATTEMPTS):
        try:
            with transaction.atomic() if atomic else nullcontext():
                if atomic and postgresql:
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = %s", [LOCK_TIMEOUT])
                run()
            return
        except OperationalError as exc:
            busy = getattr(exc.__cause__, "sqlstate", None) == LOCK_NOT_AVAILABLE
            if not (postgresql and busy) or attempt == LOCK_ATTEMPTS - 1:
                raise
        time.sleep(min(0.05 * 2**attempt, 2.0))


@dataclass
class TableWork:
    """One table's statements: `builds` first (at once), then `after` (one at a time).

    An item of `after` may be a function of a cursor rather than a statement.
    """

    builds: list[str] = field(default_factory=list)
    after: list = field(default_factory=list)
    building: int = 0
    busy: bool = False

    def finished(self) -> bool:
        return not (self.builds or self.after or self.building or self.busy)


class Rebuild:
    """Hands out the work of several tables to the connections that ask for it."""

    def __init__(self, work: dict[str, TableWork]):
        self.tables = sorted(work.values(), key=lambda w: -len(w.builds) - len(w.after))
        self.ready = threading.Condition()
        self.failed = False

    def take(self) -> tuple[TableWork, object] | None:
        """The next statement someone may run now; waits while none may; None when done."""
        with self.ready:
            while not self.failed:
                task = self._next()
                if task is not None:
                    return task
                if all(table.finished() for table in self.tables):
                    return None
                self.ready.wait()
            return None

    def _next(self) -> tuple[TableWork, object] | None:
        for table in self.tables:
            if table.after and not (table.builds or table.building or table.busy):
                table.busy = True
                return table, table.after.pop(0)
        for table in self.tables:
            if table.builds:
                table.building += 1
                return table, table.builds.pop(0)
        return None

    def done(self, table: TableWork, *, failed: bool = False) -> None:
        with self.ready:
            if table.busy:
                table.busy = False
            else:
                table.building -= 1
            self.failed = self.failed or failed
            self.ready.notify_all()

    def run(self, on_done: Callable[[object], None]) -> None:
        """Run everything, from two connections on PostgreSQL outside a transaction.

        Within a transaction (a test's, say) another connection could not see its
        tables, and SQLite has one writer: then one connection runs it all, in order.
        """
        parallel = connection.vendor == "postgresql" and not connection.in_atomic_block
        if not parallel:
            self._work(on_done, own_connection=False)
            return
        with ThreadPoolExecutor(max_workers=BUILDERS - 1) as pool:
            # A thread gets its own connection from Django.
            helpers = [pool.submit(self._work, on_done, True) for _ in range(BUILDERS - 1)]
            self._work(on_done, own_connection=False)
            for helper in helpers:
                helper.result()

    def _work(self, on_done: Callable[[object], None], own_connection: bool) -> None:
        try:
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    _configure(cursor)
                while (task := self.take()) is not None:
                    table, statement = task
                    try:
                        if callable(statement):
                            retried(partial(statement, cursor))
                        else:
                            retried(partial(cursor.execute, statement))
                    except BaseException:
                        self.done(table, failed=True)
                        raise
                    self.done(table)
                    on_done(statement)
                if connection.vendor == "postgresql":
                    cursor.execute("RESET maintenance_work_mem")
                    cursor.execute("RESET max_parallel_maintenance_workers")
        finally:
            if own_connection:
                connection.close()


def _configure(cursor) -> None:
    tag_session(cursor)
    # Each index is one sort; the default 64 MB would spill a city's to disk.
    cursor.execute("SET maintenance_work_mem = '512MB'")
    workers = helpers_per_build(connection.settings_dict.get("HOST") or "", os.cpu_count())
    if workers is not None:
        cursor.execute(f"SET max_parallel_maintenance_workers = {workers:d}")


def helpers_per_build(host: str, cores: int | None) -> int | None:
    """Parallel workers the server may add to each build; None keeps its own setting.

    BUILDERS builds run at once. A server on this machine (`host` local, or a socket
    folder) has its `cores`: each build may have what the builds leave of them. (On two
    cores the server's default of two workers a build made six processes contend for
    two cores: the rebuild after a million requests took 13.6 s instead of 12.3.) A
    server elsewhere keeps the setting its administrator chose.
    """
    if host not in LOCAL_HOSTS and not host.startswith("/"):
        return None
    return max(0, (cores or 1) // BUILDERS - 1)
