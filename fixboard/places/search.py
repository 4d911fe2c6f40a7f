"""Finding a place by what a person types, and naming the place at a point.

The residents' report form and the call console both ask these two questions of the
address index (`AddressPoint`). What is typed is tried, best first:

1. as the start of a known address ("1900 E 4TH" → "1900 E 4TH ST"), abbreviations and
   case made alike by `normalize_address`;
2. as a house number and a street whose name may be abbreviated, spelled out or one
   letter off ("1900 e forth strret" → "1900 E 4TH ST"), through the street table
   (`places.streets`);
3. as two streets ("4th & Soto", "4th and soto", "E 4th St / S Soto St"): the point
   where their address points come closest, kind "intersection";
4. when the index finds nothing, the optional external geocoder (`places.geocoding`).
"""

import math
import re
from dataclasses import asdict, dataclass

from django.db import connection

from .addresses import normalize_address
from .cells import cell_of, cells_around
from .models import AddressPoint, Jurisdiction, Street
from .streets import matching_cores, parse_street, split_number

MIN_TYPED = 3
NEAREST_DEGREES = 0.002  # about 200 m: farther than that, a point has no address of its own
MEET_DEGREES = 0.002  # two streets whose addresses come no closer than this do not meet
STREETS_PER_NAME = 3  # candidate streets per typed name, best first
_CORNER = re.compile(r"\s+(?:AND|AT)\s+|\s*[&/@]\s*", re.IGNORECASE)
ADDRESS, INTERSECTION = "address", "intersection"


@dataclass(frozen=True)
class AddressMatch:
    address: str
    zipcode: str
    lat: float
    long: float
    kind: str = ADDRESS  # or INTERSECTION
    source: str = "index"  # or "geocoder"

    def as_dict(self) -> dict:
        return asdict(self)


def search_addresses(jurisdiction: Jurisdiction, text: str, limit: int = 8) -> list[AddressMatch]:
    """Places matching the typed text, best first (see the module's docstring)."""
    if len(text.strip()) < MIN_TYPED:
        return []
    found = _search_index(jurisdiction, text, limit)
    if found:
        return found
    from .geocoding import geocode  # the fallback only: most searches never need it

    return geocode(jurisdiction, text, limit)


def _search_index(jurisdiction: Jurisdiction, text: str, limit: int) -> list[AddressMatch]:
    names = [part for part in _CORNER.split(text) if part.strip()]
    if len(names) == 2:
        corners = intersections(jurisdiction, names[0], names[1], limit)
        if corners:
            return corners
    # A lone part is what came before a separator not yet followed by a street ("4th &").
    key = normalize_address(names[0] if len(names) == 1 else text)
    if len(key) < MIN_TYPED:
        return []
    found = _starting_with(jurisdiction, key, limit)
    # A whole known address typed needs no guessing at what else was meant.
    exact = found and normalize_address(found[0].address) == key
    if len(found) < limit and not exact:
        seen = {match.address for match in found}
        more = _on_matching_streets(jurisdiction, key, limit)
        found += [match for match in more if match.address not in seen][: limit - len(found)]
    return found


def _starting_with(jurisdiction: Jurisdiction, key: str, limit: int) -> list[AddressMatch]:
    """Known addresses whose normalised form starts with the key, in its order."""
    if connection.vendor == "postgresql":
        return _starting_with_postgresql(jurisdiction, key, limit)
    # SQLite's LIKE ignores case, so no index serves it; normalised keys are upper-case
    # ASCII, and the unique index's binary order serves this range.
    rows = (
        AddressPoint.objects.filter(
            jurisdiction=jurisdiction,
            normalized__gte=key,
            normalized__lt=key[:-1] + chr(ord(key[-1]) + 1),
        )
        .order_by("normalized")
        .values_list("address", "zipcode", "lat", "long")[:limit]
    )
    return [AddressMatch(*row) for row in rows]


def _starting_with_postgresql(jurisdiction, key: str, limit: int) -> list[AddressMatch]:
    # The unique index's varchar_pattern_ops serve LIKE 'prefix%' and, in the order of
    # `~<~`, the first few without sorting every address of a short prefix ("100").
    table = AddressPoint._meta.db_table
    pattern = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT address, zipcode, lat, long FROM {table} "
            "WHERE jurisdiction_id = %s AND normalized LIKE %s "
            "ORDER BY normalized USING ~<~ LIMIT %s",
            [jurisdiction.pk, pattern, limit],
        )
        return [AddressMatch(*row) for row in cursor.fetchall()]


def matching_streets(jurisdiction: Jurisdiction, typed: str) -> list[str]:
    """Names of the streets a typed street name may mean, best first."""
    wanted = parse_street(typed, typed=True)
    if not wanted.core:
        return []
    cores = matching_cores(jurisdiction.pk, wanted.core)
    if not cores:
        return []
    # A core spelled as typed beats every one-letter-off guess: a corner of "236th" is not
    # looked for on 26TH and 238TH as well.
    nearest = min(cores.values())
    cores = {core: edits for core, edits in cores.items() if edits == nearest}
    streets = Street.objects.filter(jurisdiction=jurisdiction, core__in=list(cores))
    scored = []
    for name, prefix, core, kind in streets.values_list("name", "prefix", "core", "kind"):
        score = 2 * cores[core]
        if wanted.prefix and prefix != wanted.prefix:
            score += 3 if prefix else 1
        if wanted.kind and kind != wanted.kind:
            score += 1
        scored.append((score, name))
    return [name for _, name in sorted(scored)[:STREETS_PER_NAME]]


def _on_matching_streets(jurisdiction: Jurisdiction, key: str, limit: int) -> list[AddressMatch]:
    number, street = split_number(key)
    streets = matching_streets(jurisdiction, street)
    if not streets:
        return []
    points = AddressPoint.objects.filter(jurisdiction=jurisdiction)
    columns = ("normalized", "address", "zipcode", "lat", "long")
    if number:
        wanted = [f"{number} {name}" for name in streets]
        rows = points.filter(normalized__in=wanted).values_list(*columns)
        rank = {name: i for i, name in enumerate(wanted)}
        return [AddressMatch(*row[1:]) for row in sorted(rows, key=lambda r: rank[r[0]])]
    found = []
    for name in streets:
        # In the street index's order: a street's addresses, a stretch of it at a time.
        rows = points.filter(street=name).order_by("cell").values_list(*columns[1:])
        found += [AddressMatch(*row) for row in rows[: limit - len(found)]]
        if len(found) >= limit:
            break
    return found


def intersections(
    jurisdiction: Jurisdiction, first: str, second: str, limit: int = 8
) -> list[AddressMatch]:
    """Where streets named like `first` and `second` meet, best match first."""
    streets_a = matching_streets(jurisdiction, normalize_address(first))
    streets_b = matching_streets(jurisdiction, normalize_address(second))
    cells = _cells_of(jurisdiction, {*streets_a, *streets_b})
    found = []
    for a in streets_a:
        for b in streets_b:
            if a != b and (corner := _meeting(jurisdiction, a, b, cells)):
                found.append(corner)
    return found[:limit]


def _cells_of(jurisdiction: Jurisdiction, streets: set[str]) -> dict[str, set[int]]:
    """The cells each street's addresses are in, in one index-only read."""
    cells: dict[str, set[int]] = {name: set() for name in streets}
    rows = AddressPoint.objects.filter(jurisdiction=jurisdiction, street__in=list(streets))
    for street, cell in rows.values_list("street", "cell").distinct():
        cells[street].add(cell)
    return cells


def _meeting(jurisdiction, a: str, b: str, cells: dict[str, set[int]]) -> AddressMatch | None:
    """The midpoint of the closest pair of addresses of streets a and b, if close enough."""
    near_b = {n for c in cells[a] for n in cells_around(c)} & cells[b]
    if not near_b:
        return None
    near_a = {n for c in near_b for n in cells_around(c)} & cells[a]
    points = AddressPoint.objects.filter(jurisdiction=jurisdiction)
    columns = ("zipcode", "lat", "long")
    on_a = list(points.filter(street=a, cell__in=near_a).values_list(*columns))
    on_b = list(points.filter(street=b, cell__in=near_b).values_list(*columns))
    best = min(
        ((_distance(p[1], p[2], q[1], q[2]), p, q) for p in on_a for q in on_b),
        default=None,
        key=lambda t: t[0],
    )
    if best is None or best[0] > MEET_DEGREES:
        return None
    _, p, q = best
    return AddressMatch(
        f"{a} & {b}", p[0] or q[0], (p[1] + q[1]) / 2, (p[2] + q[2]) / 2, kind=INTERSECTION
    )


def _distance(lat: float, long: float, lat2: float, long2: float) -> float:
    """Degrees of latitude, a degree of longitude shrunk to its length at that latitude."""
    return math.hypot(lat - lat2, (long - long2) * math.cos(math.radians(lat)))


def nearest_address(jurisdiction: Jurisdiction, lat: float, long: float) -> AddressMatch | None:
    """The known address nearest a point, if one lies within NEAREST_DEGREES."""
    if not (math.isfinite(lat) and math.isfinite(long) and abs(lat) <= 90 and abs(long) <= 180):
        return None  # no place on Earth: nothing near it
    rows = AddressPoint.objects.filter(
        jurisdiction=jurisdiction, cell__in=cells_around(cell_of(lat, long))
    ).values_list("address", "zipcode", "lat", "long")
    scored = [(_distance(lat, long, row[2], row[3]), row) for row in rows]
    best = min(scored, default=None, key=lambda t: t[0])
    if best is not None and best[0] <= NEAREST_DEGREES:
        return AddressMatch(*best[1])
    from .geocoding import reverse_geocode

    return reverse_geocode(jurisdiction, lat, long)
