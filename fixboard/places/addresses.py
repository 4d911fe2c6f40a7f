"""The address index: street addresses a jurisdiction has seen, and where they are.

Imports feed it from rows that carry both an address and a point; the agent console
and imports of rows without a point read it. Addresses are compared in a normalised
form ("2111 West Bellevue Avenue, Los Angeles" → "2111 W BELLEVUE AVE"), so small
differences of spelling, case and punctuation still match. The key is the street line
only: the city, state and zip code that exports append are dropped (the zip code is kept
beside it).
"""

import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import itemgetter

import orjson
from django.db import connection, transaction

from fixboard.core.columns import column_types

from .cells import cell_of
from .models import AddressPoint, Jurisdiction
from .streets import record_streets, street_of

# USPS Publication 28 abbreviations for the words that most often vary in exports.
_ABBREVIATIONS = {
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "NORTHEAST": "NE",
    "NORTHWEST": "NW",
    "SOUTHEAST": "SE",
    "SOUTHWEST": "SW",
    "AVENUE": "AVE",
    "AV": "AVE",
    "BOULEVARD": "BLVD",
    "STREET": "ST",
    "ROAD": "RD",
    "DRIVE": "DR",
    "PLACE": "PL",
    "COURT": "CT",
    "LANE": "LN",
    "TERRACE": "TER",
    "PARKWAY": "PKWY",
    "HIGHWAY": "HWY",
    "CIRCLE": "CIR",
    "SQUARE": "SQ",
    "TRAIL": "TRL",
    "EXPRESSWAY": "EXPY",
    "FREEWAY": "FWY",
    "ALLEY": "ALY",
    "WAY": "WAY",
}
_ZIP_AT_END = re.compile(r"(?:\s|^)(\d{5})(?:-\d{4})?\s*(?:,?\s*USA?)?\s*$", re.IGNORECASE)
_NOT_WORD = re.compile(r"[^0-9A-Z&/\- ]+")
STREET_LINE_MAX = 300
LOOKUP_CHUNK = 900
MOVE_DEGREES = 0.001  # about 100 m of latitude
_VALUES = ("address", "zipcode", "lat", "long", "street", "cell")
_STAGING = "fixboard_address_staging"
# Database sessions (psycopg connections) that have the staging table.
_STAGED: weakref.WeakSet = weakref.WeakSet()


def split_zipcode(address: str) -> tuple[str, str]:
    """(address without a trailing zip code, the zip code or "")."""
    # The match ends with a digit or with "US"/"USA" (ignoring case: "ſ" is an "s"), then
    # only whitespace: one look at the last character spares most addresses the search.
    last = address.rstrip()[-1:]
    if last and not last.isdigit() and last.upper() not in ("A", "S"):
        return address, ""
    found = _ZIP_AT_END.search(address)
    if not found:
        return address, ""
    return address[: found.start()].rstrip(" ,"), found.group(1)


def normalize_address(address: str) -> str:
    """The comparable form of a street address: its first line, upper case, abbreviated."""
    return _parts(address)[0]


@lru_cache(maxsize=65_536)
def _parts(address: str) -> tuple[str, str]:
    """(the address normalised, the zip code at its end or "")."""
    rest, zipcode = split_zipcode(address)
    # What _NOT_WORD leaves holds no whitespace but spaces: split() collapses their runs.
    street = _NOT_WORD.sub(" ", rest.split(",", 1)[0].upper())
    get = _ABBREVIATIONS.get
    return " ".join([get(word, word) for word in street.split()])[:STREET_LINE_MAX], zipcode


@dataclass(frozen=True)
class KnownAddress:
    address: str
    zipcode: str
    lat: float
    long: float


def record_addresses(
    *, jurisdiction: Jurisdiction, addresses: Iterable[tuple[str, str, float, float]]
) -> int:
    """Add or move addresses: (address, zipcode, lat, long); the last of each wins.

    A known address moves only when the new point is more than MOVE_DEGREES away (a
    correction), not for the few metres by which two reports of one door differ. One
    upsert does it all, the distance test included, so an import never reads the index
    back. Returns how many were written.
    """
    latest = latest_addresses(addresses)
    if not latest:
        return 0
    return _upsert([(jurisdiction.pk, key, *value) for key, value in latest.items()])


class AddressRecorder:
    """record_addresses for the batches of one import, minding what it already sent.

    A city's history names the same doors again and again; an address sent earlier in
    the import to within MOVE_DEGREES of the new point is not sent again (the index
    already has it there, or within MOVE_DEGREES of it). At most `memory` addresses are
    remembered, so memory stays flat however long the file. The streets of what it writes
    are learnt after the import (`background.learning` queues `tasks.learn_streets`).
    """

    def __init__(self, jurisdiction: Jurisdiction, memory: int = 200_000):
        self.jurisdiction = jurisdiction
        self.memory = memory
        self.sent: dict[str, tuple[float, float]] = {}
        self.written = 0  # rows its upserts wrote (added or moved)

    def record(self, addresses: Iterable[tuple[str, str, float, float]]) -> int:
        return self.record_latest(latest_addresses(addresses))

    def record_latest(self, latest: dict[str, tuple]) -> int:
        """`record`, given what `latest_addresses` made of the addresses (in any process)."""
        sent, jurisdiction_id = self.sent, self.jurisdiction.pk
        fresh = []
        for key, value in latest.items():
            point = sent.get(key)
            if point and _near(point, value[2], value[3]):
                continue
            fresh.append((jurisdiction_id, key, *value))
        if not fresh:
            return 0
        if len(sent) + len(fresh) > self.memory:
            sent.clear()
        sent.update((row[1], (row[4], row[5])) for row in fresh)
        written = _upsert_points(fresh)  # its streets are learnt after the import
        self.written += written
        return written


def _near(point: tuple[float, float], lat: float, long: float) -> bool:
    return abs(point[0] - lat) <= MOVE_DEGREES and abs(point[1] - long) <= MOVE_DEGREES


def latest_addresses(addresses: Iterable[tuple[str, str, float, float]]) -> dict[str, tuple]:
    """{normalized address: (street line, zipcode, lat, long, street, cell)}, the last of each."""
    latest: dict[str, tuple] = {}
    for address, zipcode, lat, long in addresses:
        key, found = _parts(address)
        if key:
            zipcode = (zipcode or found)[:20]
            latest[key] = (
                address.strip()[:STREET_LINE_MAX],
                zipcode,
                lat,
                long,
                street_of(key),
                cell_of(lat, long),
            )
    return latest


@cache
def _staged_types(alias: str, columns: tuple[str, ...]) -> list[int]:
    """The staged columns' types, for a binary COPY: points then go as eight bytes each,
    where text made psycopg write out every float's digits (a tenth of an import writer's
    work)."""
    return column_types(AddressPoint._meta.db_table, columns, alias=alias)


def _upsert(rows: list[tuple]) -> int:
    """Write (jurisdiction id, normalized, *_VALUES) rows and learn their streets at once."""
    written = _upsert_points(rows)
    by_jurisdiction: dict[int, set[str]] = {}
    for row in rows:
        by_jurisdiction.setdefault(row[0], set()).add(row[6])
    for jurisdiction_id, streets in by_jurisdiction.items():
        record_streets(jurisdiction_id, streets)
    return written


def _upsert_points(rows: list[tuple]) -> int:
    q = connection.ops.quote_name
    meta = AddressPoint._meta
    table = q(meta.db_table)
    columns = [meta.get_field(f).column for f in ("jurisdiction", "normalized", *_VALUES)]
    names = ", ".join(q(c) for c in columns)
    lat, long = q("lat"), q("long")
    # "WHERE true" lets SQLite tell the upsert's ON CONFLICT from a join's ON.
    conflict = (
        f"ON CONFLICT ({q(columns[0])}, {q(columns[1])}) DO UPDATE SET "
        + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in columns[2:])
        + f" WHERE abs({table}.{lat} - excluded.{lat}) > {MOVE_DEGREES}"
        f" OR abs({table}.{long} - excluded.{long}) > {MOVE_DEGREES}"
    )
    if connection.vendor != "postgresql":
        # One statement over a JSON array, encoded in C: a statement per row cost about
        # 12 µs each, a third of a small import's writing time.
        fields = ", ".join(f"json_extract(value, '$[{n}]')" for n in range(len(columns)))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {fields} FROM json_each(%s) "
                f"WHERE true {conflict}",
                [orjson.dumps(rows).decode()],
            )
            return cursor.rowcount
    # COPY is several times cheaper than row-by-row inserts; it cannot upsert, so it fills
    # a temporary table that one INSERT … ON CONFLICT reads.
    nested = connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        session = connection.connection  # open now
        if session not in _STAGED:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} ON COMMIT DELETE ROWS "
                f"AS SELECT {names} FROM {table} WITH NO DATA"
            )
        types = _staged_types(connection.alias, tuple(columns))
        with cursor.cursor.copy(f"COPY {_STAGING} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            # In the key's order (the unique index's byte order, as Python compares text):
            # the upsert then walks the index instead of jumping about it, a tenth faster.
            for row in sorted(rows, key=itemgetter(0, 1)):  # jurisdiction id, normalized
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {_STAGING} {conflict}")
        written = cursor.rowcount
        if nested:  # the commit that empties the table is the caller's, later
            cursor.execute(f"TRUNCATE {_STAGING}")
    if not nested:
        # Committed, the table stays for the session: later batches need not ask for it.
        # (Within a caller's transaction it might still be rolled back with it.)
        _STAGED.add(session)
    return written


def resolve_addresses(
    *, jurisdiction: Jurisdiction, addresses: Iterable[str]
) -> dict[str, KnownAddress]:
    """The known location of each address found in the index, keyed by the address given."""
    wanted: dict[str, list[str]] = {}
    for address in addresses:
        key = normalize_address(address)
        if key:
            wanted.setdefault(key, []).append(address)
    found: dict[str, KnownAddress] = {}
    keys = list(wanted)
    for start in range(0, len(keys), LOOKUP_CHUNK):
        rows = AddressPoint.objects.filter(
            jurisdiction=jurisdiction, normalized__in=keys[start : start + LOOKUP_CHUNK]
        ).values_list("normalized", "address", "zipcode", "lat", "long")
        for key, address, zipcode, lat, long in rows:
            for given in wanted[key]:
                found[given] = KnownAddress(address, zipcode, lat, long)
    return found


def resolve_address(*, jurisdiction: Jurisdiction, address: str) -> KnownAddress | None:
    """Where a typed address is, if the index knows it."""
    return resolve_addresses(jurisdiction=jurisdiction, addresses=[address]).get(address)
