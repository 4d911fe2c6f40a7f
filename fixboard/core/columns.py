"""What the database says of a table's columns."""

from collections.abc import Sequence

from django.db import connections


def column_types(table: str, columns: Sequence[str], *, alias: str = "default") -> list[int]:
    """The type oids of the table's columns (PostgreSQL), in order: what a binary COPY needs."""
    connection = connections[alias]
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(map(q, columns))} FROM {q(table)} LIMIT 0")
        return [column.type_code for column in cursor.description]
