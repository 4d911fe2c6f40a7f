"""ORM queries compiled to SQL once per process, then run with each call's values.

Building and compiling a queryset costs a few tenths of a millisecond of Python: more than
the database takes to answer a look-up by key, and so the largest part of the hottest reads
(one request by id, an API key). A `CompiledQuery` builds its queryset once per database
vendor from stand-in values, keeps the SQL, and swaps each call's values in for them.
"""

from collections.abc import Callable

from django.db import connection
from django.db.models import QuerySet


class CompiledQuery:
    """`build(**stand_ins)` → a `.values()` queryset; `first(**values)` / `all(**values)` run it.

    Stand-ins must be values no query would otherwise hold (a negative id, a string with a
    NUL), and each must reach the SQL as a parameter unchanged: checked when compiling.
    """

    def __init__(self, build: Callable[..., QuerySet], **stand_ins):
        self._build = build
        self._stand_ins = stand_ins
        self._compiled: dict[str, tuple[str, list, list[str]]] = {}

    def _compile(self) -> tuple[str, list, list[str]]:
        vendor = connection.vendor
        if vendor not in self._compiled:
            queryset = self._build(**self._stand_ins)
            sql, params = queryset.query.sql_with_params()
            slots = {value: name for name, value in self._stand_ins.items()}
            missing = set(self._stand_ins) - {slots[p] for p in params if _is_slot(p, slots)}
            if missing:
                raise ValueError(f"stand-ins {sorted(missing)} do not reach the SQL as parameters")
            template = [slots[p] if _is_slot(p, slots) else _Fixed(p) for p in params]
            names = [*queryset.query.values_select, *queryset.query.annotation_select]
            self._compiled[vendor] = (sql, template, names)
        return self._compiled[vendor]

    def _execute(self, values: dict):
        sql, template, names = self._compile()
        params = [p.value if type(p) is _Fixed else values[p] for p in template]
        cursor = connection.cursor()
        cursor.execute(sql, params)
        return cursor, names

    def first(self, **values) -> dict | None:
        cursor, names = self._execute(values)
        with cursor:
            row = cursor.fetchone()
        return dict(zip(names, row, strict=True)) if row else None

    def all(self, **values) -> list[dict]:
        cursor, names = self._execute(values)
        with cursor:
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class _Fixed:
    """A parameter the queryset itself holds (a constant of the query, not a stand-in)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _is_slot(param, slots: dict) -> bool:
    # Only ints and strings stand in: hashable, and compared by value, never by truth.
    return type(param) in (int, str) and param in slots
