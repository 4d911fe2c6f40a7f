"""The address index: street addresses a jurisdiction has seen, and where they are.

Imports feed it from rows that carry both an address and a point; the agent console
and imports of rows without a point read it. Addresses are compared in a normalised
form ("2111 West Bellevue Avenue, Los Angeles" → "2111 W BELLEVUE AVE"), so small
differences of spelling, case and punctuation still match. The key is the street line
only: the city, state and zip code that exports append are dropped (the zip code is kept
beside it).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from .models import AddressPoint, Jurisdiction

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
_SPACES = re.compile(r"\s+")
STREET_LINE_MAX = 300


def split_zipcode(address: str) -> tuple[str, str]:
    """(address without a trailing zip code, the zip code or "")."""
    found = _ZIP_AT_END.search(address)
    if not found:
        return address, ""
    return address[: found.start()].rstrip(" ,"), found.group(1)


def normalize_address(address: str) -> str:
    """The comparable form of a street address: its first line, upper case, abbreviated."""
    street = split_zipcode(address)[0].split(",", 1)[0].upper()
    street = _SPACES.sub(" ", _NOT_WORD.sub(" ", street)).strip()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in street.split(" "))[:STREET_LINE_MAX]


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

    Returns how many distinct addresses were written.
    """
    latest: dict[str, AddressPoint] = {}
    for address, zipcode, lat, long in addresses:
        key = normalize_address(address)
        if not key:
            continue
        zipcode = zipcode or split_zipcode(address)[1]
        latest[key] = AddressPoint(
            jurisdiction=jurisdiction,
            normalized=key,
            address=address.strip()[:STREET_LINE_MAX],
            zipcode=zipcode[:20],
            lat=lat,
            long=long,
        )
    if latest:
        with transaction.atomic():
            AddressPoint.objects.bulk_create(
                latest.values(),
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["jurisdiction", "normalized"],
                update_fields=["address", "zipcode", "lat", "long"],
            )
    return len(latest)


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
    for start in range(0, len(keys), 500):
        rows = AddressPoint.objects.filter(
            jurisdiction=jurisdiction, normalized__in=keys[start : start + 500]
        ).values_list("normalized", "address", "zipcode", "lat", "long")
        for key, address, zipcode, lat, long in rows:
            for given in wanted[key]:
                found[given] = KnownAddress(address, zipcode, lat, long)
    return found


def resolve_address(*, jurisdiction: Jurisdiction, address: str) -> KnownAddress | None:
    """Where a typed address is, if the index knows it."""
    return resolve_addresses(jurisdiction=jurisdiction, addresses=[address]).get(address)
