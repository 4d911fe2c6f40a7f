"""The mapping file: which column of a city's CSV export feeds which request field.

A TOML file (see docs/import.md) read once per import and checked before any row is
read, so a typo in a column name stops the import with a message instead of skipping
every row.
"""

import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from fixboard.core.mapping_files import read_mapping_file

from ..models import Channel, CloseReason, Status

REQUIRED_COLUMNS = ("service_name", "requested_datetime", "status")
OPTIONAL_COLUMNS = (
    "updated_datetime",
    "closed_datetime",
    "lat",
    "long",
    "point",
    "address",
    "address_id",
    "zipcode",
    "description",
    "channel",
    "department",
    "service_group",
    "status_notes",
    "media_url",
)
# Sections and the keys each may hold; anything else is a typo worth reporting.
SECTIONS = {
    "source": {"id", "encoding", "delimiter"},
    "columns": set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS),
    "datetime": {"formats", "timezone"},
    "status": {"closed", "in_progress", "acknowledged"},
    "close_reason": set(CloseReason.values),
    "channel": set(Channel.values),
}


@dataclass(frozen=True)
class Mapping:
    """A checked mapping: source column names per Fixboard field and value translations."""

    source_id: str
    columns: dict[str, str | tuple[str, ...]]
    datetime_formats: tuple[str, ...]
    timezone: str
    closed: frozenset[str]
    in_progress: frozenset[str] = frozenset()
    acknowledged: frozenset[str] = frozenset()
    close_reasons: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    encoding: str = "utf-8-sig"
    delimiter: str = ","
    name: str = ""

    def status_of(self, value: str) -> tuple[str, str]:
        """(status, close reason) for a source status value; unknown values are open (new)."""
        key = value.strip().casefold()
        if key in self.closed:
            return Status.CLOSED.value, self.close_reasons.get(key, CloseReason.FIXED.value)
        if key in self.in_progress:
            return Status.IN_PROGRESS.value, ""
        if key in self.acknowledged:
            return Status.ACKNOWLEDGED.value, ""
        return Status.NEW.value, ""

    def channel_of(self, value: str) -> str:
        """The Fixboard channel for a source channel value; unlisted values count as import."""
        return self.channels.get(value.strip().casefold(), Channel.IMPORT.value)

    def source_columns(self) -> list[tuple[str, str]]:
        """(Fixboard field, source column) pairs, the id first, every column of a list."""
        pairs = [("id", self.source_id)]
        for name, column in self.columns.items():
            for col in (column,) if isinstance(column, str) else column:
                pairs.append((name, col))
        return pairs

    def check_header(self, header: list[str], path: Path) -> None:
        """Raise a ValidationError naming each mapped column the CSV does not have."""
        present = set(header)
        missing = [(f, c) for f, c in self.source_columns() if c not in present]
        if missing:
            available = ", ".join(h for h in header if h) or _("none")
            raise ValidationError(
                {
                    name: [
                        _(
                            "The mapping reads column %(c)s for %(f)s, but %(p)s has no such "
                            "column. Its columns are: %(a)s."
                        )
                        % {"c": column, "f": name, "p": Path(path).name, "a": available}
                    ]
                    for name, column in missing
                }
            )


def _strings(value, where: str, errors: dict) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        errors.setdefault(where, []).append(
            _('%(w)s must be a list of text values, e.g. ["Closed"].') % {"w": where}
        )
        return ()
    return tuple(value)


def _optional(table: dict, key: str, section: str, errors: dict) -> tuple[str, ...]:
    return _strings(table[key], f"{section}.{key}", errors) if key in table else ()


def _casefolded(table: dict, section: str, errors: dict) -> dict[str, str]:
    """Invert {fixboard value: [source values]} into {source value (casefolded): value}."""
    inverted = {}
    for key, values in table.items():
        for value in _strings(values, f"{section}.{key}", errors):
            inverted[value.strip().casefold()] = key
    return inverted


def _check_sections(data: dict, errors: dict) -> None:
    for section, value in data.items():
        if section not in SECTIONS:
            errors.setdefault(section, []).append(
                _("Unknown section [%(s)s]; the sections are: %(a)s.")
                % {"s": section, "a": ", ".join(SECTIONS)}
            )
            continue
        if not isinstance(value, dict):
            errors.setdefault(section, []).append(_("[%(s)s] must be a table.") % {"s": section})
            continue
        for key in value:
            if key not in SECTIONS[section]:
                errors.setdefault(f"{section}.{key}", []).append(
                    _("Unknown key %(k)s in [%(s)s]; it may hold: %(a)s.")
                    % {"k": key, "s": section, "a": ", ".join(sorted(SECTIONS[section]))}
                )


def _columns(table: dict, errors: dict) -> dict[str, str | tuple[str, ...]]:
    columns = {}
    for name, column in table.items():
        if name == "description" and isinstance(column, list):
            columns[name] = _strings(column, "columns.description", errors)
        elif isinstance(column, str) and column:
            columns[name] = column
        else:
            errors.setdefault(f"columns.{name}", []).append(
                _("Give the source column name as text.")
            )
    for name in REQUIRED_COLUMNS:
        if name not in table:
            errors.setdefault(f"columns.{name}", []).append(
                _("Say which column holds %(f)s.") % {"f": name}
            )
    has_pair = "lat" in table and "long" in table
    if "point" in table and ("lat" in table or "long" in table):
        errors.setdefault("columns.point", []).append(
            _("Map either point or lat and long, not both.")
        )
    elif not has_pair and "point" not in table:
        if "lat" in table or "long" in table:
            errors.setdefault("columns.lat", []).append(_("Map both lat and long."))
        elif "address" not in table:
            errors.setdefault("columns.lat", []).append(
                _("Map lat and long, or point, or at least address for the address index.")
            )
    return columns


def _datetime(table: dict, errors: dict) -> tuple[tuple[str, ...], str]:
    formats = _strings(table.get("formats"), "datetime.formats", errors)
    tz = table.get("timezone", "")
    try:
        zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        errors.setdefault("datetime.timezone", []).append(
            _("Unknown time zone %(tz)r; use an IANA name such as America/Los_Angeles.")
            % {"tz": tz}
        )
    return formats, tz


def parse_mapping(data: dict, *, name: str = "") -> Mapping:
    """A Mapping from the TOML document's data, or a ValidationError listing every problem."""
    errors: dict[str, list[str]] = {}
    _check_sections(data, errors)
    source = data.get("source") or {}
    source_id = source.get("id")
    if not isinstance(source_id, str) or not source_id:
        errors.setdefault("source.id", []).append(
            _('Say which column holds the source\'s own request id, e.g. id = "SRNumber".')
        )
    columns = _columns(data.get("columns") or {}, errors)
    formats, tz = _datetime(data.get("datetime") or {}, errors)
    status = data.get("status") or {}
    closed = _strings(status.get("closed"), "status.closed", errors)
    in_progress = _optional(status, "in_progress", "status", errors)
    acknowledged = _optional(status, "acknowledged", "status", errors)
    close_reasons = _casefolded(data.get("close_reason") or {}, "close_reason", errors)
    closed_keys = {c.strip().casefold() for c in closed}
    for value in sorted(set(close_reasons) - closed_keys):
        errors.setdefault("close_reason", []).append(
            _("%(v)r has a close reason but is not listed in [status] closed.") % {"v": value}
        )
    channels = _casefolded(data.get("channel") or {}, "channel", errors)
    delimiter = source.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        errors.setdefault("source.delimiter", []).append(_('Give one character, e.g. ",".'))
    if errors:
        raise ValidationError(errors)
    return Mapping(
        source_id=source_id,
        columns=columns,
        datetime_formats=formats,
        timezone=tz,
        closed=frozenset(closed_keys),
        in_progress=frozenset(v.strip().casefold() for v in in_progress),
        acknowledged=frozenset(v.strip().casefold() for v in acknowledged),
        close_reasons=close_reasons,
        channels=channels,
        encoding=str(source.get("encoding", "utf-8-sig")),
        delimiter=delimiter,
        name=name,
    )


def load_mapping(path: Path | str) -> Mapping:
    """Read and check a mapping file; a ValidationError says what is wrong and where."""
    path = Path(path)
    data = read_mapping_file(path)
    return parse_mapping(data, name=path.name)


def shipped_mapping(name: str) -> Path:
    """The path of a mapping shipped with Fixboard, e.g. shipped_mapping("la-2017")."""
    return Path(__file__).resolve().parent.parent / "mappings" / f"{name}.toml"
