"""One CSV row → the values of one request, or the reason it cannot be used."""

import math
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from operator import attrgetter

from django.utils.translation import gettext as _

from ..models import Status
from ..text import clean_text
from .datetimes import make_parser
from .mapping import Mapping

# Reasons a row is skipped: stable keys of ImportResult.skipped (docs/import.md lists them).
NO_SOURCE_ID = "no source id"
SOURCE_ID_TOO_LONG = "source id too long"
NO_SERVICE = "no service type"
NO_DATE = "no requested date"
BAD_DATE = "unreadable date"
NO_LOCATION = "no location"
OUT_OF_RANGE = "coordinates out of range"
SWAPPED = "latitude and longitude swapped"
OUTSIDE = "outside the jurisdiction"
BAD_POINT = "unreadable point"
REPEATED = "repeated source id"
WRONG_WIDTH = "wrong number of fields"

SOURCE_ID_MAX = 64
CLOSED = Status.CLOSED.value  # a plain string: an enum member costs a look-up per row


class Skip(Exception):
    """This row cannot become a request: `reason` is the key, `message` the detail."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(slots=True)
class Row:
    number: int
    source_id: str
    service_name: str
    group: str
    requested_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    status: str
    close_reason: str
    lat: float | None
    long: float | None
    address: str
    zipcode: str
    description: str
    channel: str
    department: str
    status_notes: str
    media_url: str
    address_id: str = ""

    def __reduce__(self):
        # Rows cross from the parser process pickled. By position rather than as the
        # field-by-field state of a slotted dataclass, a row pickles in 3 µs instead of 5
        # and unpickles, in the writer, in 1 µs instead of 2.4.
        return Row, _row_values(self)


_row_values = attrgetter(*(f.name for f in fields(Row)))


def _float(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    return float(text)


def read_point(text: str) -> tuple[float | None, float | None]:
    """ "(lat, long)" as Socrata exports write it, or WKT "POINT (long lat)"; blank → None."""
    text = text.strip()
    if not text:
        return None, None
    if text[:5].upper() == "POINT":
        long, lat = text[5:].strip(" ()").split()
        return float(lat), float(long)
    lat, long = text.strip("()").split(",")
    return _float(lat), _float(long)


def check_range(lat: float, long: float, number: int) -> None:
    """Raise Skip when the pair cannot be a place on Earth, saying if it looks swapped."""
    if not (math.isfinite(lat) and math.isfinite(long)):
        raise Skip(OUT_OF_RANGE, _("row %(n)d: the coordinates are not numbers.") % {"n": number})
    if abs(lat) <= 90 and abs(long) <= 180:
        return
    if abs(long) <= 90 and abs(lat) <= 180:
        raise Skip(
            SWAPPED,
            _(
                "row %(n)d: latitude %(lat)s is beyond ±90 but would fit as a longitude; "
                "latitude and longitude look swapped."
            )
            % {"n": number, "lat": lat},
        )
    raise Skip(
        OUT_OF_RANGE,
        _("row %(n)d: latitude %(lat)s / longitude %(long)s are outside ±90 / ±180.")
        % {"n": number, "lat": lat, "long": long},
    )


class RowParser:
    """Reads rows of one file: column positions are looked up once from its header."""

    def __init__(self, mapping: Mapping, header: list[str]):
        self.mapping = mapping
        self.width = len(header)
        position = {name: i for i, name in reversed(list(enumerate(header)))}
        columns = mapping.columns

        def at(field: str) -> int | None:
            column = columns.get(field)
            return position[column] if isinstance(column, str) else None

        self.id_at = position[mapping.source_id]
        self.service_at = at("service_name")
        self.group_at = at("service_group")
        self.requested_at = at("requested_datetime")
        self.updated_at = at("updated_datetime")
        self.closed_at = at("closed_datetime")
        self.status_at = at("status")
        self.lat_at, self.long_at, self.point_at = at("lat"), at("long"), at("point")
        self.address_at, self.zipcode_at = at("address"), at("zipcode")
        self.address_id_at = at("address_id")
        self.channel_at, self.department_at = at("channel"), at("department")
        self.notes_at, self.media_at = at("status_notes"), at("media_url")
        description = columns.get("description", ())
        self.description_at = [
            position[c] for c in ((description,) if isinstance(description, str) else description)
        ]
        self.names = {i: name for name, i in position.items()}
        self.parse_datetime = make_parser(mapping.datetime_formats, mapping.timezone)
        # A source has a handful of status and channel values, met again on every row.
        self.status_of = lru_cache(maxsize=1024)(mapping.status_of)
        self.channel_of = lru_cache(maxsize=1024)(mapping.channel_of)

    def _date(self, fields: list[str], at: int | None, number: int) -> datetime | None:
        if at is None:
            return None
        text = fields[at].strip()
        if not text:
            return None
        value = self.parse_datetime(text)
        if value is None:
            raise Skip(
                BAD_DATE,
                _("row %(n)d: %(c)s %(v)r matches none of the formats %(f)s.")
                % {
                    "n": number,
                    "c": self.names[at],
                    "v": text,
                    "f": ", ".join(self.mapping.datetime_formats),
                },
            )
        return value

    def _point(self, fields: list[str], number: int) -> tuple[float | None, float | None]:
        try:
            if self.point_at is not None:
                lat, long = read_point(fields[self.point_at])
            elif self.lat_at is not None:
                lat, long = _float(fields[self.lat_at]), _float(fields[self.long_at])
            else:
                return None, None
        except ValueError as exc:
            raise Skip(
                BAD_POINT,
                _("row %(n)d: the location cannot be read as decimal degrees (%(e)s).")
                % {"n": number, "e": exc},
            ) from exc
        if lat is None or long is None or (lat == 0 and long == 0):
            return None, None
        check_range(lat, long, number)
        return lat, long

    def _description(self, fields: list[str]) -> str:
        """The description column's text, or the non-empty texts of several joined."""
        columns = self.description_at
        # Most exports have none or one: no generators then (3% of parsing and placing a row).
        if not columns:
            return ""
        if len(columns) == 1:
            return clean_text(fields[columns[0]])
        return " – ".join(value for value in (clean_text(fields[i]) for i in columns) if value)

    def _text(self, fields: list[str], at: int | None, limit: int) -> str:
        return fields[at].strip()[:limit] if at is not None else ""

    def _published_text(self, fields: list[str], at: int | None, limit: int) -> str:
        # Shown in feeds and Open311 XML, which cannot carry control characters.
        return clean_text(fields[at])[:limit] if at is not None else ""

    def parse(self, fields: list[str], number: int) -> Row:
        """The row's values; raises Skip with the reason when it cannot be used."""
        if len(fields) != self.width:
            raise Skip(
                WRONG_WIDTH,
                _("row %(n)d has %(m)d fields where the header has %(w)d.")
                % {"n": number, "m": len(fields), "w": self.width},
            )
        source_id = fields[self.id_at].strip()
        if not source_id:
            raise Skip(
                NO_SOURCE_ID,
                _("row %(n)d has no %(c)s.") % {"n": number, "c": self.mapping.source_id},
            )
        if len(source_id) > SOURCE_ID_MAX:
            raise Skip(
                SOURCE_ID_TOO_LONG,
                _("row %(n)d: the id is longer than %(m)d characters.")
                % {"n": number, "m": SOURCE_ID_MAX},
            )
        service = fields[self.service_at].strip()[:200]
        if not service:
            raise Skip(NO_SERVICE, _("row %(n)d has no service type.") % {"n": number})
        requested = self._date(fields, self.requested_at, number)
        if requested is None:
            raise Skip(NO_DATE, _("row %(n)d has no requested date.") % {"n": number})
        updated = self._date(fields, self.updated_at, number)
        closed = self._date(fields, self.closed_at, number)
        status, close_reason = self.status_of(fields[self.status_at])
        # A closed row without a closing date closed when it was last updated.
        closed = (closed or updated or requested) if status == CLOSED else None
        updated = max(updated or requested, closed or requested, requested)
        lat, long = self._point(fields, number)
        description = self._description(fields)
        text = self._text
        # By position, in Row's order: nineteen keywords cost about a seventh of this method.
        return Row(
            number,
            source_id,
            service,
            text(fields, self.group_at, 200),
            requested,
            updated,
            closed,
            status,
            close_reason,
            lat,
            long,
            self._published_text(fields, self.address_at, 300),
            text(fields, self.zipcode_at, 20),
            description,
            self.channel_of(fields[self.channel_at]) if self.channel_at is not None else "import",
            text(fields, self.department_at, 200),
            self._published_text(fields, self.notes_at, 10_000),
            text(fields, self.media_at, 500),
            text(fields, self.address_id_at, 100),
        )
