"""Bulk mode: a large import drops secondary indexes and foreign keys, then restores them.

Every request row keeps about ten B-trees current (its timeline events and areas a few
more); once an index outgrows the cache each of those inserts is a random page write,
and they cost an import far more than the rows themselves. Building an index afresh is
one sort, several times cheaper, so an import at least as large as the tables it writes
to takes the secondary indexes off first. Unique indexes and primary keys stay: they keep
the import correct (source ids, public ids), and its own look-ups use only them.

On PostgreSQL the foreign keys go too: each checks its row at commit with a locking
look-up (about nine per request, counting its events and areas), where adding the
constraint back checks the whole table in one join. So does the address index's key to
its jurisdiction (the import upserts an address for most rows; its indexes stay, as the
upsert needs its unique one). (SQLite cannot drop a constraint, and its checks are plain
index look-ups in process.)

The definitions come from the models (Django's schema editor), not from a list of our
own, so `restore_indexes` also repairs an import that died before its rebuild: every
import calls it first.
"""

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, partial

from django.db import connection, connections
from django.utils.translation import gettext as _
from tqdm import tqdm

from fixboard.places.models import AddressPoint

from ..models import Event, RequestArea, ServiceRequest
from .lock import exclusive
from .rebuild import LOCK_TIMEOUT, Rebuild, TableWork, retried

MODELS = (ServiceRequest, Event, RequestArea)
# Models whose foreign keys, but not indexes, are off in bulk mode.
KEYED = (*MODELS, AddressPoint)
FK_SUFFIX = "_fk_%(to_table)s_%(to_column)s"  # Django's own, so the names match migrations'
# Tables below this many rows are left to autovacuum's ANALYZE after a rebuild: it costs
# a small import a third of its time, and a misplanned query on a small table milliseconds.
ANALYZE_MIN_ROWS = 50_000


@dataclass(frozen=True)
class ForeignKey:
    table: str
    column: str
    name: str
    sql: str  # ALTER TABLE … ADD CONSTRAINT …


def _secondary_indexes() -> list[tuple[str, str, str]]:
    """(table, index name, CREATE INDEX statement) of every non-unique index of MODELS."""
    return _definitions(connection.alias)[0]


def _foreign_keys() -> list[ForeignKey]:
    """KEYED's foreign keys, as Django's schema editor would create them (PostgreSQL)."""
    return _definitions(connection.alias)[1]


@cache
def _definitions(alias: str) -> tuple[list[tuple[str, str, str]], list[ForeignKey]]:
    # The models' definitions never change within a process, and writing them out
    # through the schema editor costs a small import 15 ms each time.
    editor = connections[alias].schema_editor()
    indexes = []
    for model in MODELS:
        for statement in editor._model_indexes_sql(model):
            name = str(statement.parts["name"]).strip('"')
            indexes.append((model._meta.db_table, name, str(statement)))
    return indexes, _key_definitions(editor) if connections[alias].vendor == "postgresql" else []


def _key_definitions(editor) -> list[ForeignKey]:
    found = []
    for model in KEYED:
        for field in model._meta.local_fields:
            if field.remote_field and field.db_constraint:
                statement = editor._create_fk_sql(model, field, FK_SUFFIX)
                name = str(statement.parts["name"]).strip('"')
                found.append(ForeignKey(model._meta.db_table, field.column, name, str(statement)))
    return found


def _existing(tables: set[str]) -> set[str]:
    """Names of the indexes on these tables (on PostgreSQL, the valid ones)."""
    # Not Django's introspection: on SQLite it parses each table's SQL, a tenth of a
    # second, a fifth of a small import.
    names = sorted(tables)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(names))
            cursor.execute(
                f"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({marks})",
                names,
            )
        else:
            # An index whose concurrent build did not finish is there but not valid.
            cursor.execute(
                "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND i.indisvalid",
                [names],
            )
        return {row[0] for row in cursor.fetchall()}


def _existing_foreign_keys(tables: set[str]) -> dict[tuple[str, str], tuple[str, bool]]:
    """{(table, column): (constraint name, checked)} of the foreign keys in place (PostgreSQL).

    A key not checked yet is one whose VALIDATE did not finish (see `_add_foreign_keys`).
    """
    if not tables:
        return {}
    # One catalog query: Django's introspection runs several per table (30 ms in all).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.relname, a.attname, c.conname, c.convalidated FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "WHERE c.contype = 'f' AND c.conrelid = ANY(%s::regclass[])",
            [sorted(tables)],
        )
        return {(t, column): (name, checked) for t, column, name, checked in cursor.fetchall()}


def table_rows() -> int:
    """About how many requests the database holds (cheap: no count of the table)."""
    table = ServiceRequest._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass", [table]
            )
        else:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(table)}")
        row = cursor.fetchone()
    return int(row[0] or 0) if row else 0


def _kept_in_bulk(written: dict | None) -> set[str]:
    """Names of the partial indexes an import's rows never enter, so it keeps them.

    An index "WHERE column IS NOT NULL" on a column the import never writes (a request's
    assignee, an event's user) stays empty of imported rows: keeping it costs the import a
    test per row, where building it again costs a scan of the whole table.
    """
    kept = set()
    for model in MODELS:
        fields = (written or {}).get(model)
        if fields is None:
            continue
        for index in model._meta.indexes:
            condition = index.condition
            if condition is None or condition.negated or len(condition.children) != 1:
                continue
            lookup, value = condition.children[0]
            field, _, test = str(lookup).rpartition("__")
            if test == "isnull" and value is False and field not in fields:
                kept.add(index.name)
    return kept


@dataclass(frozen=True)
class InPlace:
    """Which of MODELS' secondary indexes and KEYED's foreign keys the database holds now."""

    indexes: set[str]
    keys: dict[tuple[str, str], tuple[str, bool]]  # as `_existing_foreign_keys`


def _migrated() -> bool:
    # Not Django's introspection, which lists every table (8 ms on PostgreSQL).
    table = ServiceRequest._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [table])
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = %s", [table]
            )
        return bool(cursor.fetchone()[0])


def _in_place() -> InPlace | None:
    """What is in place; None before the tables are migrated."""
    if not _migrated():
        return None
    return InPlace(
        _existing({table for table, _, _ in _secondary_indexes()}),
        _existing_foreign_keys({key.table for key in _foreign_keys()}),
    )


def drop_secondary_indexes(*, written: dict | None = None, found: InPlace | None = None) -> None:
    """Drop the secondary indexes of MODELS and (PostgreSQL) the foreign keys of KEYED.

    `written` ({model: names of the fields an import writes}) keeps the partial indexes
    its rows never enter (see `_kept_in_bulk`). `found`: what is in place, if known.
    """
    q = connection.ops.quote_name
    found = found or _in_place()
    if found is None:
        return
    present = found.indexes - _kept_in_bulk(written)
    statements = []
    if found.keys:
        # Within a transaction that wrote rows, their deferred checks must run before
        # PostgreSQL lets a constraint go.
        statements += ["SET CONSTRAINTS ALL IMMEDIATE", "SET CONSTRAINTS ALL DEFERRED"]
    for key in _foreign_keys():
        if (key.table, key.column) in found.keys:
            name, _checked = found.keys[key.table, key.column]
            statements.append(f"ALTER TABLE {q(key.table)} DROP CONSTRAINT {q(name)}")
    indexes = [name for _, name, _ in _secondary_indexes() if name in present]
    statements += [f"DROP INDEX {q(name)}" for name in indexes]
    # One transaction: a commit per statement cost a small import 50 ms on PostgreSQL.
    retried(partial(_execute_all, statements))


def _execute_all(statements: list[str]) -> None:
    """Run the statements, in one round trip to PostgreSQL (a few ms a statement less)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if statements:
                cursor.execute("; ".join(statements))
        else:  # SQLite runs one statement per call, in process
            for statement in statements:
                cursor.execute(statement)


def _missing(found: InPlace | None) -> tuple[list[tuple[str, str, str]], list[ForeignKey]]:
    """(table, name, statement) of the secondary indexes, and the foreign keys, not in place.

    A key in place but not checked counts as missing; its `sql` is then empty (it needs
    only its check) and its name is the one in the database.
    """
    if found is None:
        return [], []  # not migrated yet
    return (
        [index for index in _secondary_indexes() if index[1] not in found.indexes],
        [k for k in (_unchecked(key, found.keys) for key in _foreign_keys()) if k is not None],
    )


def _unchecked(key: ForeignKey, constrained: dict) -> ForeignKey | None:
    """The key as it must be added or checked, or None when it is in place and checked."""
    found = constrained.get((key.table, key.column))
    if found is None:
        return key
    name, checked = found
    return None if checked else ForeignKey(key.table, key.column, name, "")


def missing() -> list[tuple[str, str]]:
    """(table, statement) of every secondary index and foreign key that is not in place."""
    indexes, keys = _missing(_in_place())
    return [(table, sql) for table, _name, sql in indexes] + [
        (key.table, key.sql or _validate(key)) for key in keys
    ]


def restore_indexes(
    *, progress: bool = False, found: InPlace | None = None, online: bool = False
) -> int:
    """Build every missing secondary index and foreign key; returns how many were made.

    `found`: what is in place, if known. `online`: the site may be writing to the tables
    (a repair), so on PostgreSQL the indexes are built concurrently, one at a time (the
    fast way blocks each table's writes while one of its indexes is built).
    """
    with exclusive():
        indexes, keys = _missing(found or _in_place())
        if not indexes and not keys:
            return 0
        with tqdm(
            total=len(indexes) + len(keys),
            desc=_("Building indexes"),
            unit="index",
            disable=not progress,
        ) as bar:
            if online and connection.vendor == "postgresql" and not connection.in_atomic_block:
                _restore_online(indexes, keys, bar)
            else:
                _restore_fast(indexes, keys, bar)
        return len(indexes) + len(keys)


def _restore_fast(indexes: list[tuple[str, str, str]], keys: list[ForeignKey], bar) -> None:
    def counted(done) -> None:
        if not callable(done):  # statistics are neither an index nor a key
            bar.update(done.count("VALIDATE CONSTRAINT") or 1)

    _add_unchecked(keys)
    Rebuild(_work(indexes, keys)).run(counted)


def _restore_online(indexes: list[tuple[str, str, str]], keys: list[ForeignKey], bar) -> None:
    """Build the indexes concurrently, add the keys unchecked, then check them.

    None of it stops the site writing for more than a moment: a concurrent build and a
    key's check lock only against other schema changes; adding a key changes the
    catalog only. (A table's statistics are left to autovacuum.)
    """
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = %s", [LOCK_TIMEOUT])
        try:
            for _table, name, sql in indexes:
                retried(partial(_build_concurrently, cursor, name, sql), atomic=False)
                bar.update(1)
            _add_unchecked(keys)
            for checked in _by_table(keys).values():
                retried(partial(cursor.execute, _validate(*checked)), atomic=False)
                bar.update(len(checked))
        finally:
            cursor.execute("RESET lock_timeout")


def _build_concurrently(cursor, name: str, sql: str) -> None:
    # A concurrent build that failed (a timeout, a killed import) leaves an invalid index.
    cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {connection.ops.quote_name(name)}")
    cursor.execute(sql.replace("CREATE INDEX ", "CREATE INDEX CONCURRENTLY ", 1))


def _by_table(keys: list[ForeignKey]) -> dict[str, list[ForeignKey]]:
    tables: dict[str, list[ForeignKey]] = defaultdict(list)
    for key in keys:
        tables[key.table].append(key)
    return tables


def _work(indexes: list[tuple[str, str, str]], keys: list[ForeignKey]) -> dict[str, TableWork]:
    """Each table's index builds, then (PostgreSQL) its statistics, then its keys' checks.

    Statistics before checks: a key's check is a query, planned with them, and one on a
    column the import leaves empty (a request's assignee) then reads only the partial
    index of the rows that have one instead of the whole table.
    """
    work: dict[str, TableWork] = defaultdict(TableWork)
    for table, _name, sql in indexes:
        work[table].builds.append(sql)
    if connection.vendor == "postgresql":
        for table in sorted({index[0] for index in indexes} | {key.table for key in keys}):
            work[table].after.append(partial(_analyze_if_large, table=table))
    for table, checked in _by_table(keys).items():
        # One statement per table: its checks run one at a time anyway, and each ALTER
        # TABLE costs its lock, catalog update and commit (a few ms on a small import).
        work[table].after.append(_validate(*checked))
    return work


def _add_unchecked(keys: list[ForeignKey]) -> None:
    """Add the keys NOT VALID, in one transaction; `_work` checks them afterwards.

    Adding a key with its check locks both of its tables against every other addition
    and build, so the checks (each a scan of its table) would run one at a time. Added
    NOT VALID, a key only changes the catalog; VALIDATE then locks just the key's own
    table, so checks run beside the builds and checks of other tables. Until its check
    passes, a key still holds for every row written meanwhile.
    """
    retried(partial(_execute_all, [f"{key.sql} NOT VALID" for key in keys if key.sql]))


def _validate(*keys: ForeignKey) -> str:
    """The statement that checks these keys, all of one table."""
    q = connection.ops.quote_name
    checks = ", ".join(f"VALIDATE CONSTRAINT {q(key.name)}" for key in keys)
    return f"ALTER TABLE {q(keys[0].table)} {checks}"


def _analyze_if_large(cursor, *, table: str) -> None:
    """Fresh planner statistics for a large table just rebuilt.

    The statistics are from before a load that may have multiplied the table; without
    fresh ones PostgreSQL plans the first pages of a city badly. A table below
    ANALYZE_MIN_ROWS is left to autovacuum, which analyzes it within a minute (its row
    count, which the planner needs most, the index builds have already set).
    """
    cursor.execute(
        "SELECT reltuples >= %s FROM pg_class WHERE oid = %s::regclass", [ANALYZE_MIN_ROWS, table]
    )
    if cursor.fetchone()[0]:
        cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def refresh_statistics(*, bulk: bool) -> None:
    """Give SQLite's planner statistics after an import that changed the tables' shape.

    Without any, SQLite picks indexes by their shape alone, e.g. all of a service
    type's requests rather than the few near a point (89 ms against 4 ms at 100,000
    requests). A sample of each index is enough. (PostgreSQL's are refreshed after a
    rebuild, and by autovacuum otherwise.)
    """
    if connection.vendor != "sqlite":
        return
    tables = [model._meta.db_table for model in MODELS]
    with connection.cursor() as cursor:
        if not bulk and _has_statistics(cursor, tables[0]):
            return
        cursor.execute("PRAGMA analysis_limit = 1000")
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _has_statistics(cursor, table: str) -> bool:
    cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
    if not cursor.fetchone()[0]:
        return False
    cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
    return bool(cursor.fetchone()[0])


@contextmanager
def bulk_mode(
    enabled: bool, *, progress: bool = False, written: dict | None = None
) -> Iterator[None]:
    """Within: the secondary indexes are off when `enabled`; they are back after, always.

    `written`: as for `drop_secondary_indexes`.
    """
    found = _in_place()
    # Left off by an import that died: the site may be writing meanwhile.
    if restore_indexes(progress=progress, found=found, online=True):
        found = None  # changed: drop_secondary_indexes looks again
    if not enabled:
        yield
        return
    drop_secondary_indexes(written=written, found=found)
    try:
        yield
    finally:
        restore_indexes(progress=progress)
