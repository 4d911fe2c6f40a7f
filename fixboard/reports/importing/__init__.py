"""Bulk import of a city's 311 history (see docs/import.md)."""

from .importer import import_requests
from .mapping import Mapping, load_mapping, parse_mapping, shipped_mapping
from .result import Example, ImportResult

__all__ = [
    "Example",
    "ImportResult",
    "Mapping",
    "import_requests",
    "load_mapping",
    "parse_mapping",
    "shipped_mapping",
]
