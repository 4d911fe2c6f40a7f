"""Open-data export of a jurisdiction's public requests, as CSV or GeoJSON, streamed.

Column names and codes (`status`, `close_reason`, `channel`, `service_code`, area codes) are
the same in every file. The texts a person reads (`service_name`, `agency_responsible`,
`status_label`) are in the language the export is asked in, the default one unless said.

Only what a resident may see leaves: no reporter, contact, e-mail or phone, no answers
to questions, nothing of hidden requests, requests awaiting confirmation or private
service types. Rows are read in id order, a chunk at a time, so memory stays flat
whatever the table size.
"""

import csv
import zoneinfo
from collections.abc import Callable, Iterator
from typing import NamedTuple, TextIO

import orjson
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from fixboard.catalog.languages import default_language, localized
from fixboard.places.models import Area, Jurisdiction

from .changes import status_labeller
from .models import RequestArea, ServiceRequest
from .selectors import RequestFilters, filter_requests

FORMATS = ("csv", "geojson")
CHUNK = 2000
# (column, ORM path) of every exported field, public by construction: add fields here only
# after checking that residents may see them.
FIELDS = (
    ("id", "public_id"),
    ("source_id", "source_id"),
    ("service_code", "service_type__code"),
    ("service_name", "service_type__name"),
    ("status", "status"),
    ("close_reason", "close_reason"),
    ("description", "description"),
    ("status_notes", "status_notes"),
    ("requested_datetime", "requested_at"),
    ("updated_datetime", "updated_at"),
    ("closed_datetime", "closed_at"),
    ("expected_datetime", "expected_at"),
    ("address", "address"),
    ("zipcode", "zipcode"),
    ("address_id", "address_id"),
    ("lat", "lat"),
    ("long", "long"),
    ("channel", "channel"),
    ("agency_responsible", "department__name"),
    ("media_url", "media_url"),
    ("supporters", "support_count"),
    ("duplicate_of", "duplicate_of__public_id"),
)
# The catalog's texts among them, read in the export's language.
_TEXTS = {"service_type__name", "department__name"}
# Computed from the status, the close reason and the agency referred to: "in progress",
# "fixed", "referred to Caltrans"… as the request's page says it.
LABEL = "status_label"
_DATETIMES = {"requested_datetime", "updated_datetime", "closed_datetime", "expected_datetime"}
# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def public_requests(jurisdiction: Jurisdiction):
    """The jurisdiction's requests that open data may publish."""
    return ServiceRequest.objects.public().filter(jurisdiction=jurisdiction)


def area_kinds(jurisdiction: Jurisdiction) -> list[str]:
    return sorted(
        set(
            Area.objects.filter(jurisdiction=jurisdiction, active=True).values_list(
                "kind", flat=True
            )
        )
    )


def export_columns(jurisdiction: Jurisdiction) -> list[str]:
    """The header: the public fields, the status label, then area_<kind> for each kind of
    area."""
    fields = [name for name, _path in FIELDS]
    return [*fields, LABEL, *(f"area_{k}" for k in area_kinds(jurisdiction))]


def _areas_of(first_id: int, last_id: int, kinds: list[str]) -> dict[int, list[str]]:
    """{request id: [code per kind]} for the requests in an id range."""
    position = {kind: i for i, kind in enumerate(kinds)}
    codes: dict[int, list[list[str]]] = {}
    rows = RequestArea.objects.filter(
        request_id__gte=first_id, request_id__lte=last_id, area__active=True
    ).values_list("request_id", "area__kind", "area__code")
    for request_id, kind, code in rows.order_by("request_id", "area__code"):
        if kind in position:
            slots = codes.setdefault(request_id, [[] for _ in kinds])
            slots[position[kind]].append(code)
    # Areas of one kind should not overlap; where they do, every code is kept.
    return {rid: [";".join(c) for c in slots] for rid, slots in codes.items()}


def iter_public_rows(
    jurisdiction: Jurisdiction,
    *,
    chunk: int | None = None,
    filters: RequestFilters | None = None,
    language: str | None = None,
) -> Iterator[dict]:
    """Each public request (narrowed by `filters`) as {column: value}, datetimes in the
    jurisdiction's local time, its texts in `language` (the default one when None)."""
    chunk = chunk or CHUNK
    language = language or default_language()
    tz = zoneinfo.ZoneInfo(jurisdiction.timezone)
    kinds = area_kinds(jurisdiction)
    names = [name for name, _path in FIELDS]
    label = status_labeller(language)
    with translation.override(language):
        # The expressions are made here, in the export's language, not while rows stream.
        paths = ["id", *(localized(p) if p in _TEXTS else p for _n, p in FIELDS), "referred_to"]
    requests = public_requests(jurisdiction)
    if filters is not None:
        requests = filter_requests(requests, filters)
    queryset = requests.order_by("id").values_list(*paths)
    last = 0
    while True:
        rows = list(queryset.filter(id__gt=last)[:chunk])
        if not rows:
            return
        last = rows[-1][0]
        areas = _areas_of(rows[0][0], last, kinds)
        empty = [""] * len(kinds)
        for pk, *values, referred_to in rows:
            record = dict(zip(names, values, strict=True))
            record[LABEL] = label(record["status"], record["close_reason"], referred_to)
            for name in _DATETIMES:
                if record[name] is not None:
                    record[name] = record[name].astimezone(tz).isoformat()
            record.update(zip((f"area_{k}" for k in kinds), areas.get(pk, empty), strict=True))
            yield record


def _csv_cell(value):
    """The value as a spreadsheet will take it: text that looks like a formula gets a
    leading quote, as OWASP advises; numbers (negative longitudes) stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class Export(NamedTuple):
    """An export as text: its head, one piece per request (read lazily), its tail."""

    head: str
    records: Iterator[str]
    tail: str


class _Line:
    """What `csv.writer` writes to when each row is wanted back as a string."""

    def write(self, line: str) -> str:
        return line


def _csv(jurisdiction: Jurisdiction, filters: RequestFilters | None, language: str) -> Export:
    columns = export_columns(jurisdiction)
    writer = csv.writer(_Line())
    records = (
        writer.writerow([_csv_cell(record[c]) for c in columns])
        for record in iter_public_rows(jurisdiction, filters=filters, language=language)
    )
    return Export(writer.writerow(columns), records, "")


def _features(
    jurisdiction: Jurisdiction, filters: RequestFilters | None, language: str
) -> Iterator[str]:
    rows = iter_public_rows(jurisdiction, filters=filters, language=language)
    for n, record in enumerate(rows):
        lat, long = record.pop("lat"), record.pop("long")
        feature = {
            "type": "Feature",
            "id": record["id"],
            "geometry": {"type": "Point", "coordinates": [long, lat]},
            "properties": record,
        }
        yield ("," if n else "") + orjson.dumps(feature).decode() + "\n"


def _geojson(jurisdiction: Jurisdiction, filters: RequestFilters | None, language: str) -> Export:
    head = '{"type":"FeatureCollection","features":[\n'
    return Export(head, _features(jurisdiction, filters, language), "]}\n")


def export(
    *,
    jurisdiction: Jurisdiction,
    format: str,
    filters: RequestFilters | None = None,
    language: str | None = None,
) -> Export:
    """The public requests of the jurisdiction (narrowed by `filters`) as CSV or GeoJSON
    text, read a chunk at a time while it is consumed; texts in `language` (default: the
    default language, whatever language is active)."""
    if format not in FORMATS:
        raise ValidationError(
            {"format": [_("Choose a format: %(f)s.") % {"f": ", ".join(FORMATS)}]}
        )
    language = language or default_language()
    return (_csv if format == "csv" else _geojson)(jurisdiction, filters, language)


def export_requests(
    *,
    jurisdiction: Jurisdiction,
    format: str,
    out: TextIO,
    tick: Callable[[], None] = lambda: None,
    language: str | None = None,
) -> int:
    """Write the jurisdiction's public requests to `out`; returns how many were written.

    `tick` is called once per request (for a progress bar); texts in `language`.
    """
    written = export(jurisdiction=jurisdiction, format=format, language=language)
    out.write(written.head)
    count = 0
    for piece in written.records:
        out.write(piece)
        count += 1
        tick()
    out.write(written.tail)
    return count
