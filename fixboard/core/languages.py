"""The languages a city writes its own texts in (django-modeltranslation's columns), for
every app that keeps such texts: the catalog's service types, the places' area names.

A write that names a plain field (`name`) means the default language (settings.LANGUAGE_CODE),
whatever language the page or command speaks; `name_es` names the Spanish text. A read of
`name` gives the active language's text, falling back to the default language's.
"""

from contextlib import contextmanager

from django.conf import settings
from django.db.models import F, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def default_language() -> str:
    return settings.LANGUAGE_CODE


def columns(field: str) -> list[str]:
    """`name` → [`name_en`, `name_es`]: one column per language, the default first."""
    codes = sorted(language_codes(), key=lambda code: code != default_language())
    return [f"{field}_{code.replace('-', '_')}" for code in codes]


@contextmanager
def saving():
    """Save, read or write plain fields in the default language: the plain column (`name`),
    which every query that does not ask for a language reads, keeps its text."""
    with translation.override(default_language()):
        yield


def active_language() -> str:
    """The active language if texts are kept in it, else the default one."""
    language = translation.get_language() or default_language()
    for candidate in (language, language.split("-")[0]):
        if candidate in language_codes():
            return candidate
    return default_language()


def localized(path: str):
    """An expression for `path` (e.g. `service_type__name`) in the active language,
    falling back to the default language's text when that one is empty."""
    # The default language's own column: an ORM `update(name=…)` writes it, not the plain one.
    default = f"{path}_{default_language()}"
    language = active_language()
    texts = [F(default), F(path)]  # a row made before its language's column: the plain one
    if language != default_language():
        texts.insert(0, NullIf(F(f"{path}_{language}"), Value("")))
    return Coalesce(*texts, output_field=TextField())
