"""Mapping files (TOML) that tell an import how a city's file is laid out."""

import tomllib
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def read_mapping_file(path: Path | str) -> dict:
    """The file's TOML as a dict; a ValidationError (on "mapping") if it is missing or bad."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValidationError(
            {"mapping": [_("No such mapping file: %(p)s") % {"p": path}]}
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValidationError(
            {"mapping": [_("%(p)s is not valid TOML: %(e)s") % {"p": path, "e": exc}]}
        ) from exc
