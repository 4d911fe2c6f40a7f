"""A large load of address points goes without the address index's key to its jurisdiction,
and adds it back once, after the load (PostgreSQL).

The key checks each new row at commit with a locking look-up of the jurisdiction: measured
at 1,000,000 points, 13 of the upsert's 32 µs a row. Adding the key back checks the whole
table in one join (0.3 s at 1,000,000 rows), so a load of at least a tenth of the table
goes without it. The indexes stay: building the two secondary ones again cost more than
keeping them current saved, and the upsert needs the unique one. A load that dies before
the key is back leaves it off until the next address import adds it first; meanwhile
`fixboard check` says so and `fixboard rebuild-indexes` adds it (the request import's bulk
mode drops and adds the same key, by the same name: reports.importing.indexes). SQLite
keeps it: it cannot drop a constraint, and its check is an in-process look-up.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.db import OperationalError, connection, connections, transaction

from .models import AddressPoint

# Below this many rows a load keeps the key: taking it off and back costs a few DDL
# statements and a scan of the table.
BULK_MIN_ROWS = 20_000
FK_SUFFIX = "_fk_%(to_table)s_%(to_column)s"  # Django's own: the name matches the migrations'
# How long taking the key off waits for the site's transactions on the table; past that
# the load keeps it rather than hold every reader of the table up behind it.
LOCK_TIMEOUT = "2s"


@cache
def _key_sql(alias: str) -> str:
    """ALTER TABLE … ADD CONSTRAINT of the key, as the schema editor writes it."""
    editor = connections[alias].schema_editor()
    field = AddressPoint._meta.get_field("jurisdiction")
    return str(editor._create_fk_sql(AddressPoint, field, FK_SUFFIX))


def _keys(cursor) -> dict[str, bool]:
    """{name: checked} of the table's foreign keys (its only one is to the jurisdiction)."""
    cursor.execute(
        "SELECT conname, convalidated FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f'",
        [AddressPoint._meta.db_table],
    )
    return dict(cursor.fetchall())


def restore_key() -> bool:
    """Add the key back (or check it) if a load left it off; True if it did."""
    if connection.vendor != "postgresql":
        return False
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        keys = _keys(cursor)
        if not keys:
            cursor.execute(_key_sql(connection.alias))
        unchecked = [name for name, checked in keys.items() if not checked]
        for name in unchecked:
            cursor.execute(
                f"ALTER TABLE {q(AddressPoint._meta.db_table)} VALIDATE CONSTRAINT {q(name)}"
            )
    return not keys or bool(unchecked)


def _drop() -> bool:
    """Take the key off; False when the table stayed busy (the load then keeps it)."""
    q = connection.ops.quote_name
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = %s", [LOCK_TIMEOUT])
            for name in _keys(cursor):
                cursor.execute(
                    f"ALTER TABLE {q(AddressPoint._meta.db_table)} DROP CONSTRAINT {q(name)}"
                )
    except OperationalError:
        return False
    return True


def _table_rows() -> int:
    """About how many address points the table holds (no count of the table)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = %s::regclass",
            [AddressPoint._meta.db_table],
        )
        return int(cursor.fetchone()[0])


def is_large(rows: int) -> bool:
    """Whether a load of about `rows` points goes without the key: PostgreSQL, at least
    BULK_MIN_ROWS and a tenth of the table, outside a transaction (the points are written
    on a connection of their own, which must not wait for this one's lock)."""
    return (
        connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and rows >= BULK_MIN_ROWS
        and rows * 10 >= _table_rows()
    )


@contextmanager
def bulk_load(rows: int) -> Iterator[bool]:
    """Within: the key is off when a load of `rows` points is large (yields whether it
    is); after, it is in place and checked, whatever happened."""
    restore_key()  # left off by a load that died
    bulk = is_large(rows) and _drop()
    try:
        yield bulk
    finally:
        if bulk:
            restore_key()
            # The planner's statistics are from before a load that may have made the table:
            # search planned without fresh ones may read a whole city for one street.
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(AddressPoint._meta.db_table)}")
