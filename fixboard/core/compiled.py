"""ORM queries compiled to SQL once per process, then run with each call's values.

Building and compiling a queryset costs a few tenths of a millisecond of Python: more than
the database takes to answer a look-up by key, and so the largest part of the hottest reads
(one request by id, an API key). A `CompiledQuery` builds its queryset once per database
vendor from stand-in values, keeps the SQL, and swaps each call's values in for them.
Values a field must prepare (dates) are given as `Slot`s instead of stand-ins. Rows come back
as `.values()` gives them, converted by Django's converters.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Expression, Field, QuerySet


class CompiledQuery:
    """`build(**stand_ins)` → a `.values()` queryset; `first(**values)` / `all(**values)` run it.

    Stand-ins must be values no query would otherwise hold (a negative id, a string with a
    NUL), and each must reach the SQL as a parameter unchanged: checked when compiling.
    """

    def __init__(self, build: Callable[..., QuerySet], **stand_ins):
        self._build = build
        self._stand_ins = stand_ins
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self) -> "_Compiled":
        vendor = connection.vendor
        if vendor not in self._compiled:
            queryset = self._build(**self._stand_ins)
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            slots = {value: name for name, value in self._stand_ins.items()}
            missing = set(self._stand_ins) - {slots[p] for p in params if _is_slot(p, slots)}
            if missing:
                raise ValueError(f"stand-ins {sorted(missing)} do not reach the SQL as parameters")
            template = [
                p if type(p) is _Hole else slots[p] if _is_slot(p, slots) else _Fixed(p)
                for p in params
            ]
            names = [*queryset.query.values_select, *queryset.query.annotation_select]
            converters = _converters([column[0] for column in compiler.select])
            self._compiled[vendor] = _Compiled(sql, template, names, converters)
        return self._compiled[vendor]

    def _rows(self, values: dict, *, many: bool) -> list[dict]:
        compiled = self._compile()
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, [_value(p, values) for p in compiled.template])
            rows = cursor.fetchall() if many else cursor.fetchmany(1)
        if compiled.converters:  # what `.values()` converts (SQLite's booleans, JSON text…)
            rows = [_converted(row, compiled.converters) for row in rows]
        return [dict(zip(compiled.names, row, strict=True)) for row in rows]

    def first(self, **values) -> dict | None:
        rows = self._rows(values, many=False)
        return rows[0] if rows else None

    def all(self, **values) -> list[dict]:
        return self._rows(values, many=True)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    template: list
    names: list[str]
    converters: list  # (column index, Django's converters, the column's expression)


def _converters(columns: list) -> list[tuple[int, list, object]]:
    """Django's converters of each column that has any (the same for every connection to
    one kind of database, so found once, as the compiler finds them)."""
    found = []
    for index, column in enumerate(columns):
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            found.append((index, functions, column))
    return found


def _converted(row: tuple, converters: list) -> list:
    row = list(row)
    for index, functions, column in converters:
        for function in functions:
            row[index] = function(row[index], column, connection)
    return row


class Slot(Expression):
    """A parameter given at each call by `name`, prepared for the database as `output_field`
    prepares it (SQLite stores dates as text, for one)."""

    def __init__(self, name: str, output_field: Field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Hole(self.name, self.output_field)]


class _Hole:
    """Where a `Slot` left its parameter in the compiled SQL."""

    __slots__ = ("name", "field")

    def __init__(self, name: str, field: Field):
        self.name = name
        self.field = field


def _value(param, values: dict):
    if type(param) is _Fixed:
        return param.value
    if type(param) is _Hole:
        return param.field.get_db_prep_value(values[param.name], connection)
    return values[param]


class _Fixed:
    """A parameter the queryset itself holds (a constant of the query, not a stand-in)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


def _is_slot(param, slots: dict) -> bool:
    # Only ints and strings stand in: hashable, and compared by value, never by truth.
    return type(param) in (int, str) and param in slots
