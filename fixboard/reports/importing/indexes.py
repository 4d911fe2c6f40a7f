"""Bulk mode: a large import drops secondary indexes and foreign keys, then restores them.

Every request row keeps about ten B-trees current (its timeline events and areas a few
more); once an index outgrows the cache each of those inserts is a random page write,
and they cost an import far more than the rows themselves. Building an index afresh is
one sort, several times cheaper, so an import at least as large as the tables it writes
to takes the secondary indexes off first. Unique indexes and primary keys stay: they keep
the import correct (source ids, public ids), and its own look-ups use only them.

On PostgreSQL the foreign keys go too: each checks its row at commit with a locking
look-up (about nine per request, counting its events and areas), where adding the
constraint back checks the whole table in one join. (SQLite cannot drop a constraint,
and its checks are plain index look-ups in process.)

The definitions come from the models (Django's schema editor), not from a list of our
own, so `restore_indexes` also repairs an import that died before its rebuild: every
import calls it first.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection
from django.utils.translation import gettext as _
from tqdm import tqdm

from ..models import Event, RequestArea, ServiceRequest

MODELS = (ServiceRequest, Event, RequestArea)
FK_SUFFIX = "_fk_%(to_table)s_%(to_column)s"  # Django's own, so the names match migrations'


def _secondary_indexes() -> list[tuple[str, str, str]]:
    """(table, index name, CREATE INDEX statement) of every non-unique index of MODELS."""
    editor = connection.schema_editor()
    found = []
    for model in MODELS:
        for statement in editor._model_indexes_sql(model):
            name = str(statement.parts["name"]).strip('"')
            found.append((model._meta.db_table, name, str(statement)))
    return found


def _foreign_keys() -> list[tuple[str, str, str]]:
    """(table, column, ALTER TABLE … ADD CONSTRAINT statement) of MODELS' foreign keys."""
    if connection.vendor != "postgresql":
        return []
    editor = connection.schema_editor()
    return [
        (model._meta.db_table, field.column, str(editor._create_fk_sql(model, field, FK_SUFFIX)))
        for model in MODELS
        for field in model._meta.local_fields
        if field.remote_field and field.db_constraint
    ]


def _constraints(tables: set[str]) -> dict[str, dict]:
    with connection.cursor() as cursor:
        return {
            name: {**info, "table": table}
            for table in tables
            for name, info in connection.introspection.get_constraints(cursor, table).items()
        }


def _existing(tables: set[str]) -> set[str]:
    """Names of the indexes on these tables."""
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
            cursor.execute(
                "SELECT indexname FROM pg_indexes "
                "WHERE schemaname = ANY(current_schemas(false)) AND tablename = ANY(%s)",
                [names],
            )
        return {row[0] for row in cursor.fetchall()}


def _existing_foreign_keys(tables: set[str]) -> dict[tuple[str, str], str]:
    """{(table, column): constraint name} of the foreign keys in place."""
    return {
        (info["table"], info["columns"][0]): name
        for name, info in _constraints(tables).items()
        if info["foreign_key"]
    }


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


def drop_secondary_indexes() -> None:
    q = connection.ops.quote_name
    indexes, keys = _secondary_indexes(), _foreign_keys()
    present = _existing({table for table, _, _ in indexes})
    constrained = _existing_foreign_keys({table for table, _, _ in keys})
    with connection.cursor() as cursor:
        if keys:
            # Within a transaction that wrote rows, their deferred checks must run before
            # PostgreSQL lets a constraint go.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, column, _ in keys:
            if (table, column) in constrained:
                cursor.execute(
                    f"ALTER TABLE {q(table)} DROP CONSTRAINT {q(constrained[table, column])}"
                )
        for _table, name, _sql in indexes:
            if name in present:
                cursor.execute(f"DROP INDEX {q(name)}")


def missing() -> list[tuple[str, str]]:
    """(table, statement) of every secondary index and foreign key that is not in place."""
    if ServiceRequest._meta.db_table not in connection.introspection.table_names():
        return []  # not migrated yet
    indexes, keys = _secondary_indexes(), _foreign_keys()
    present = _existing({table for table, _, _ in indexes})
    constrained = _existing_foreign_keys({table for table, _, _ in keys})
    found = [(table, sql) for table, name, sql in indexes if name not in present]
    # Indexes first: checking a foreign key back in reads the index on its column.
    return found + [
        (table, sql) for table, column, sql in keys if (table, column) not in constrained
    ]


def restore_indexes(*, progress: bool = False) -> int:
    """Build every missing secondary index and foreign key; returns how many were made."""
    missing_now = missing()
    with connection.cursor() as cursor:
        if missing_now and connection.vendor == "postgresql":
            # Each index is one sort; the default 64 MB would spill a city's to disk.
            cursor.execute("SET maintenance_work_mem = '512MB'")
        bar = tqdm(missing_now, desc=_("Building indexes"), unit="index", disable=not progress)
        for _table, sql in bar:
            cursor.execute(sql)
        if missing_now and connection.vendor == "postgresql":
            # The planner's statistics are from before a load that may have multiplied
            # the tables; without fresh ones it plans the first pages of the city badly.
            for table in sorted({table for table, _ in missing_now}):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
            cursor.execute("RESET maintenance_work_mem")
    return len(missing_now)


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
def bulk_mode(enabled: bool, *, progress: bool = False) -> Iterator[None]:
    """Within: the secondary indexes are off when `enabled`; they are back after, always."""
    restore_indexes(progress=progress)
    if not enabled:
        yield
        return
    drop_secondary_indexes()
    try:
        yield
    finally:
        restore_indexes(progress=progress)
