"""The catalog's texts in several languages: which fields, their columns, and how writes
and joined reads name them.

A write that names a plain field (`name`) means the default language (settings.LANGUAGE_CODE),
whatever language the page or command speaks; `name_es` names the Spanish text. A read
through another table (`service_type__name` in a `values()` of requests) takes the active
language's column, falling back to the default language's, in SQL. What is not the
catalog's own (the columns, the default language) is fixboard.core.languages'.
"""

from django.utils import translation

from fixboard.core.languages import (
    active_language,
    columns,
    default_language,
    language_codes,
    localized,
    saving,
)

__all__ = [
    "active_language",
    "columns",
    "default_language",
    "language_codes",
    "localized",
    "saving",
]

# Model name → its fields written per language (kept here so the layers above can ask).
TRANSLATED: dict = {}


def _translated(model_name: str, *fields: str) -> None:
    TRANSLATED[model_name] = fields


_translated("ServiceType", "name", "description", "group", "notice", "call_script")
_translated("AttributeDefinition", "description", "datatype_description", "values")
_translated("Department", "name")
_translated("CallTopic", "name", "answer")
_translated("CannedResponse", "title", "text")


def with_columns(model_name: str, fields: tuple[str, ...]) -> tuple[str, ...]:
    """The fields a domain function accepts: each translated one plain and per language."""
    translated = TRANSLATED.get(model_name, ())
    extra = [column for field in fields if field in translated for column in columns(field)]
    return (*fields, *extra)


def stored(model_name: str, fields: tuple[str, ...]) -> tuple[str, ...]:
    """The fields as stored: a translated one plain (its default language's text, read
    `with saving()`) and by its other languages' columns (`name`, `name_es`)."""
    translated = TRANSLATED.get(model_name, ())
    named = (c for f in fields for c in ([f, *columns(f)[1:]] if f in translated else [f]))
    return tuple(name for name in dict.fromkeys(named) if name not in _default_columns())


def _default_columns() -> set[str]:
    suffix = f"_{default_language()}"
    return {f"{field}{suffix}" for fields in TRANSLATED.values() for field in fields}


def in_default_language(model_name: str, data: dict) -> dict:
    """`data` with each plain translated field renamed to its default-language column."""
    translated = TRANSLATED.get(model_name, ())
    renamed = {}
    for name, value in data.items():
        if name in translated:
            renamed.setdefault(columns(name)[0], value)
        else:
            renamed[name] = value
    return renamed


# The relations by which requests (and their map points, events) reach translated texts.
_RELATIONS = {
    "service_type": "ServiceType",
    "department": "Department",
    "request__service_type": "ServiceType",
    "request__department": "Department",
}


def _is_text(column: str) -> bool:
    relation, _sep, field = column.rpartition("__")
    return field in TRANSLATED.get(_RELATIONS.get(relation, ""), ())


def values_in_language(names) -> tuple[tuple, dict]:
    """`(names, expressions)` for `.values(*names, **expressions)`: the same rows as
    `.values(*names)`, with the catalog's texts (`service_type__name`…) in the active
    language (the default language's column where one is empty)."""
    texts = {column: localized(column) for column in names if _is_text(column)}
    return tuple(c for c in names if c not in texts), texts


def only_in_language(names) -> tuple:
    """`.only(*names)` that still lets `request.service_type.name` read every language
    without a query of its own: each joined text comes with its columns."""
    extra = [column for name in names if _is_text(name) for column in columns(name)]
    return (*names, *extra)


def asked_language(code: str) -> str | None:
    """The language of LANGUAGES a client's `locale`/`lang` parameter names (`es`, `es_US`,
    `es-MX` → `es`), or None for a language this installation does not speak."""
    try:
        return translation.get_supported_language_variant(code.strip().replace("_", "-").lower())
    except LookupError:
        return None
