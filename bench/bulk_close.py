"""Time one bulk close through `fixboard.reports.bulk.for_each` (issue 16: 500 in < 5 s).

    python -m bench.bulk_close                                   # SQLite, a temporary file
    python -m bench.bulk_close --database postgres://postgres@127.0.0.1:5432/bulk_close
    python -m bench.bulk_close --requests 500 --existing 20000

A fresh database each run (on PostgreSQL the named database is dropped and created),
migrated; `--existing` closed requests make the tables less empty, then `--requests` open
ones are submitted through the domain, and a staff member closes them all as fixed with one
public message. Settings are as deployed: tasks go to the database (each close enqueues its
notifications) and map counts are kept on commit. Prints the time of the bulk close only.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def _fresh_postgres(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


class _Timer:
    """Time spent waiting for the database's answers (statements, not commits)."""

    def __init__(self):
        self.seconds, self.count = 0.0, 0
        self.by_kind: dict[str, list] = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            took = time.perf_counter() - started
            self.seconds += took
            self.count += 1
            kind = " ".join(sql.split()[:4])[:70]
            entry = self.by_kind.setdefault(kind, [0, 0.0])
            entry[0] += 1
            entry[1] += took


def _commits(connection) -> int:
    """Transactions committed in this database so far (PostgreSQL; -1 elsewhere)."""
    if connection.vendor != "postgresql":
        return -1
    time.sleep(1.5)  # backends report their counts at most once a second
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        return cursor.fetchone()[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="", help="a PostgreSQL URL; SQLite when empty")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--existing", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    args = parser.parse_args(argv)

    var = Path(tempfile.mkdtemp(prefix="bulk-close-"))
    os.environ["FIXBOARD_VAR_DIR"] = str(var)
    if args.database:
        _fresh_postgres(args.database)
        os.environ["DATABASE_URL"] = args.database
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{var / 'bulk.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixboard.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)

    from fixboard.reports import actions
    from fixboard.reports.bulk import for_each
    from fixboard.reports.models import CloseReason, ServiceRequest, Status
    from tests.factories import UserFactory, make_city, submit_pothole

    city = make_city()
    staff = UserFactory(
        username="bulk", role="staff", jurisdictions=[city.jurisdiction], departments=[city.streets]
    )
    for _ in range(args.existing):
        old = submit_pothole(city)
        ServiceRequest.objects.filter(pk=old.pk).update(status=Status.CLOSED, close_reason="fixed")
    selected = [submit_pothole(city).pk for _ in range(args.requests)]

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    commits = _commits(connection)
    timer = _Timer()
    wrapper = connection.execute_wrapper(timer)
    wrapper.__enter__()
    started, cpu = time.perf_counter(), time.process_time()
    report = for_each(
        ServiceRequest.objects.filter(pk__in=selected).order_by("id"),
        actions.transition,
        to_status=Status.CLOSED,
        close_reason=CloseReason.FIXED,
        note="Fixed in the spring sweep.",
        actor=staff,
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    wrapper.__exit__(None, None, None)
    commits = _commits(connection) - commits
    if args.profile:
        for kind, (count, seconds) in sorted(timer.by_kind.items(), key=lambda kv: -kv[1][1]):
            print(f"{seconds:7.2f} s {count:6d}  {kind}")
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)

    assert report.ok, report.failed[:3]
    closed = ServiceRequest.objects.filter(pk__in=selected, status=Status.CLOSED).count()
    per = elapsed / max(args.requests, 1) * 1000
    verdict = "PASS" if elapsed < 5 or args.requests != 500 else "MISS"
    print(
        f"{connection.vendor}: bulk close of {args.requests} requests "
        f"({closed} closed, {args.existing} others in the table): "
        f"{elapsed:.2f} s, {per:.1f} ms each [{verdict} < 5 s for 500]; this process's CPU "
        f"{cpu:.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        + (f"; {commits} commits" if connection.vendor == "postgresql" else "")
        + f"; in the database {timer.seconds:.2f} s over {timer.count} statements"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
