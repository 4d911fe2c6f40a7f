"""Finding a place by what a person types, and naming the place at a point.

The residents' report form and the call console both ask these two questions of the
address index (`AddressPoint`).
"""

from dataclasses import asdict, dataclass

from .addresses import normalize_address
from .models import AddressPoint, Jurisdiction

MIN_TYPED = 3
NEAREST_DEGREES = 0.002  # about 200 m: farther than that, a point has no address of its own


@dataclass(frozen=True)
class AddressMatch:
    address: str
    zipcode: str
    lat: float
    long: float

    def as_dict(self) -> dict:
        return asdict(self)


def search_addresses(jurisdiction: Jurisdiction, text: str, limit: int = 8) -> list[AddressMatch]:
    """Known addresses that start like the typed text, best first."""
    key = normalize_address(text)
    if len(key) < MIN_TYPED:
        return []
    rows = (
        AddressPoint.objects.filter(jurisdiction=jurisdiction, normalized__startswith=key)
        .order_by("normalized")
        .values_list("address", "zipcode", "lat", "long")[:limit]
    )
    return [AddressMatch(*row) for row in rows]


def nearest_address(jurisdiction: Jurisdiction, lat: float, long: float) -> AddressMatch | None:
    """The known address nearest a point, if one lies within NEAREST_DEGREES."""
    rows = AddressPoint.objects.filter(
        jurisdiction=jurisdiction,
        lat__range=(lat - NEAREST_DEGREES, lat + NEAREST_DEGREES),
        long__range=(long - NEAREST_DEGREES, long + NEAREST_DEGREES),
    ).values_list("address", "zipcode", "lat", "long")
    found = [AddressMatch(*row) for row in rows]
    return min(found, key=lambda m: (m.lat - lat) ** 2 + (m.long - long) ** 2, default=None)
