"""Reading address files: OpenAddresses CSV and GeoJSON, and other CSV layouts through a
mapping (a TOML file like the request import's, see docs/import.md "Address points").

Each reader yields `(row number, fields)` where fields are the mapped values as text
(number, street, unit, postcode, lat, long), or `(row number, Problem)` for a record that
cannot be read at all. Row numbers are those a person finds in the file: CSV rows count the
header as row 1, GeoJSON features count from 1.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fixboard.core.mapping_files import read_mapping_file

FIELDS = ("number", "street", "unit", "postcode", "lat", "long")
# A mapping may give a whole street line instead of number and street.
MAPPED = (*FIELDS, "address")
# OpenAddresses' own column (CSV) and property (GeoJSON) names, matched ignoring case.
OPENADDRESSES = {
    "number": "number",
    "street": "street",
    "unit": "unit",
    "postcode": "postcode",
    "lat": "lat",
    "long": "lon",
}


@dataclass(frozen=True)
class Problem:
    reason: str
    message: str


@dataclass(frozen=True)
class Layout:
    """Which column (or columns, joined by a space) holds each field."""

    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    encoding: str = "utf-8-sig"
    delimiter: str = ","


OPENADDRESSES_LAYOUT = Layout({name: (column,) for name, column in OPENADDRESSES.items()})


def load_layout(name_or_path: str) -> Layout:
    """A mapping file, checked."""
    path = Path(name_or_path)
    data = read_mapping_file(path)
    return parse_layout(data)


def parse_layout(data: dict) -> Layout:
    errors: dict[str, list[str]] = {}
    for section in set(data) - {"source", "columns"}:
        errors[section] = [
            _("Unknown section [%(s)s]; the sections are: source, columns.") % {"s": section}
        ]
    source, table = data.get("source") or {}, data.get("columns") or {}
    for key in set(source) - {"encoding", "delimiter"}:
        errors[f"source.{key}"] = [_("Unknown key; [source] may hold: delimiter, encoding.")]
    columns = {}
    for name, value in table.items():
        values = (value,) if isinstance(value, str) else value
        if name not in MAPPED:
            errors[f"columns.{name}"] = [
                _("Unknown field; [columns] may hold: %(a)s.") % {"a": ", ".join(MAPPED)}
            ]
        elif not (
            isinstance(values, list | tuple)
            and values
            and all(isinstance(v, str) and v for v in values)
        ):
            errors[f"columns.{name}"] = [_("Give a column name, or a list of column names.")]
        else:
            columns[name] = tuple(values)
    if not ({"lat", "long"} <= set(columns)):
        errors["columns.lat"] = [_("Say which columns hold lat and long.")]
    if "address" not in columns and not ({"number", "street"} <= set(columns)):
        errors["columns.street"] = [_("Map number and street, or address (the whole street line).")]
    delimiter = source.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        errors["source.delimiter"] = [_('Give one character, e.g. ",".')]
    if errors:
        raise ValidationError(errors)
    return Layout(columns, str(source.get("encoding", "utf-8-sig")), delimiter)


def is_geojson(path: Path) -> bool:
    if path.suffix.lower() in (".geojson", ".geojsonl", ".json", ".ndjson", ".jsonl"):
        return True
    with path.open("rb") as f:
        return f.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


def count_records(path: Path) -> int:
    """Roughly how many records the file holds (lines), for the progress bar."""
    lines = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
    return max(lines, 1)


def _positions(layout: Layout, header: list[str], path: Path) -> dict[str, tuple[int, ...]]:
    """Column positions per field; a mapped column missing from the header stops the file."""
    position = {name.strip().casefold(): i for i, name in reversed(list(enumerate(header)))}
    found, missing = {}, []
    for name, columns in layout.columns.items():
        at = tuple(position.get(c.casefold(), -1) for c in columns)
        optional = layout is OPENADDRESSES_LAYOUT and name in ("unit", "postcode")
        if -1 in at and not optional:
            missing += [c for c, i in zip(columns, at, strict=True) if i < 0]
        elif -1 not in at:
            found[name] = at
    if missing:
        raise ValidationError(
            {
                "file": [
                    _("%(p)s has no column %(c)s. Its columns are: %(a)s.")
                    % {"p": path.name, "c": ", ".join(missing), "a": ", ".join(header) or _("none")}
                ]
            }
        )
    return found


def read_csv(path: Path, layout: Layout) -> Iterator[tuple[int, dict | Problem]]:
    with path.open(encoding=layout.encoding, errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter=layout.delimiter)
        header = next(reader, [])
        positions = _positions(layout, header, path)
        # Most fields are one column each, read as they are; others join their columns.
        single = [(name, at[0]) for name, at in positions.items() if len(at) == 1]
        joined = [(name, at) for name, at in positions.items() if len(at) > 1]
        width = len(header)
        number = 1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                yield (
                    number,
                    Problem(
                        "unreadable row",
                        _("row %(n)d cannot be read: %(e)s") % {"n": number, "e": exc},
                    ),
                )
                continue
            number += 1  # records, not lines: a quoted field may hold line breaks
            if len(fields) != width:
                if not any(fields):
                    continue  # a blank line
                yield (
                    number,
                    Problem(
                        "wrong number of fields",
                        _("row %(n)d has %(m)d fields where the header has %(w)d.")
                        % {"n": number, "m": len(fields), "w": width},
                    ),
                )
                continue
            values = {name: fields[i].strip() for name, i in single}
            for name, at in joined:
                values[name] = " ".join(fields[i].strip() for i in at).strip()
            yield number, values


def read_geojson(path: Path, layout: Layout) -> Iterator[tuple[int, dict | Problem]]:
    """A FeatureCollection, or one feature per line (OpenAddresses' own .geojson files)."""
    text = path.read_bytes()
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        data = None  # one feature per line
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = enumerate(data.get("features") or [], start=1)
    elif isinstance(data, dict):
        features = enumerate([data], start=1)
    else:
        features = enumerate(_lines(text), start=1)
    names = {
        name: columns for name, columns in layout.columns.items() if name not in ("lat", "long")
    }
    for number, feature in features:
        yield number, _feature_fields(number, feature, names)


def _lines(text: bytes) -> Iterator[dict | Problem]:
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            yield orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield Problem("unreadable feature", str(exc))


def _feature_fields(number: int, feature, names: dict) -> dict | Problem:
    if isinstance(feature, Problem):
        return Problem(
            feature.reason,
            _("feature %(n)d is not JSON: %(e)s") % {"n": number, "e": feature.message},
        )
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if not (
        isinstance(geometry, dict)
        and geometry.get("type") == "Point"
        and isinstance(coordinates, list)
        and len(coordinates) >= 2
    ):
        return Problem("no point", _("feature %(n)d has no Point geometry.") % {"n": number})
    properties = feature.get("properties") or {}
    folded = {str(k).casefold(): v for k, v in properties.items()}
    fields = {
        name: " ".join(str(folded.get(c.casefold()) or "").strip() for c in columns).strip()
        for name, columns in names.items()
    }
    fields["long"], fields["lat"] = str(coordinates[0]), str(coordinates[1])
    return fields
