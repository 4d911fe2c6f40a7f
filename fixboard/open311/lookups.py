"""Open311's hottest reads, each one small query or none: the jurisdictions, a
jurisdiction's catalog, one request by id, the service type a POST names.

One request by id reads the requests table alone, by key: the names of its service type and
department come from the process's copy of the catalog (`fixboard.core.snapshots`), so the
database neither joins nor plans more than a look-up by key.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Prefetch

from fixboard.catalog.models import AttributeDefinition, Department, ServiceType
from fixboard.core.compiled import CompiledQuery
from fixboard.core.snapshots import Snapshot
from fixboard.places.models import Jurisdiction
from fixboard.reports.models import ServiceRequest
from fixboard.reports.public_ids import normalize_public_id

from .selectors import OWN_COLUMNS, TIMES, first_image

_jurisdictions = Snapshot(
    "open311.jurisdictions",
    lambda _all: list(
        Jurisdiction.objects.only("id", "slug", "name", "timezone", "settings").order_by("id")
    ),
    models=(Jurisdiction,),
)


def jurisdictions_for(slug: str) -> list[Jurisdiction]:
    """The jurisdiction `slug`, or with no slug at most two (to tell "only one" from "many")."""
    rows = _jurisdictions.get("all")
    if slug:
        return [j for j in rows if j.slug == slug]
    return rows[:2]


def jurisdiction_by_id(pk: int | None) -> Jurisdiction | None:
    return next((j for j in _jurisdictions.get("all") if j.pk == pk), None)


def all_jurisdiction_slugs() -> list[str]:
    return sorted(j.slug for j in _jurisdictions.get("all"))


@dataclass(frozen=True)
class Catalog:
    """A jurisdiction's service types (public or not, by id and by code, with their
    questions) and departments, holding their texts in every language."""

    services: dict[int, ServiceType]
    by_code: dict[str, ServiceType]
    departments: dict[int, Department]


def _load_catalog(jurisdiction_id: int) -> Catalog:
    services = list(
        ServiceType.objects.filter(jurisdiction_id=jurisdiction_id)
        .order_by("id")
        .prefetch_related(
            Prefetch("attributes", AttributeDefinition.objects.order_by("order", "id"))
        )
    )
    by_code: dict[str, ServiceType] = {}
    for service in services:
        by_code.setdefault(service.code, service)
    # Instances, not names: `department.name` is read in the language of each call.
    departments = {d.pk: d for d in Department.objects.filter(jurisdiction_id=jurisdiction_id)}
    return Catalog({s.pk: s for s in services}, by_code, departments)


_catalogs = Snapshot(
    "open311.catalogs",
    _load_catalog,
    models=(ServiceType, AttributeDefinition, Department),
)


def _catalog_holding(jurisdiction: Jurisdiction, holds: Callable[[Catalog], bool]) -> Catalog:
    """The catalog, read again when it does not hold what is asked (made elsewhere since)."""
    catalog = _catalogs.get(jurisdiction.pk)
    if not holds(catalog):
        _catalogs.forget()
        catalog = _catalogs.get(jurisdiction.pk)
    return catalog


def catalog_of(jurisdiction: Jurisdiction) -> Catalog:
    return _catalogs.get(jurisdiction.pk)


def listed_service(jurisdiction: Jurisdiction, code: str) -> ServiceType | None:
    """The public, active service type `code`: one `services` lists."""
    service = _catalog_holding(jurisdiction, lambda c: code in c.by_code).by_code.get(code)
    return service if service is not None and service.public and service.active else None


def service_ids_for(jurisdiction: Jurisdiction, codes: list[str]) -> tuple[list[int], list[str]]:
    """Ids of the public service types with these codes, and the codes that match none."""
    if not codes:
        return [], []
    catalog = _catalog_holding(jurisdiction, lambda c: all(code in c.by_code for code in codes))
    found = [catalog.by_code.get(code) for code in codes]
    return (
        [s.pk for s in found if s is not None and s.public],
        [code for code, s in zip(codes, found, strict=True) if s is None or not s.public],
    )


def department_ids_for(jurisdiction: Jurisdiction, names: list[str]) -> tuple[list[int], list[str]]:
    """Ids of the departments named (as `agency_responsible` prints them, any case), and
    the names that match none."""
    if not names:
        return [], []
    wanted = {n.casefold() for n in names}
    catalog = _catalog_holding(
        jurisdiction, lambda c: wanted <= {d.name.casefold() for d in c.departments.values()}
    )
    by_name = {d.name.casefold(): pk for pk, d in catalog.departments.items()}
    found = [by_name[n.casefold()] for n in names if n.casefold() in by_name]
    return found, [n for n in names if n.casefold() not in by_name]


def department_names(jurisdiction: Jurisdiction) -> list[str]:
    """In the active language, as `agency_responsible` prints them."""
    return sorted(d.name for d in catalog_of(jurisdiction).departments.values())


def postable_service(jurisdiction: Jurisdiction, code: str) -> ServiceType | None:
    """The public service type `code` (active or not: submitting says it stopped)."""
    service = _catalog_holding(jurisdiction, lambda c: code in c.by_code).by_code.get(code)
    if service is None or not service.public:
        return None
    # The jurisdiction at hand, rather than a query that would bring its boundary along.
    service.jurisdiction = jurisdiction
    return service


ONE_COLUMNS = ("id", "public_id", "service_type_id", "department_id", *OWN_COLUMNS, "has_photos")


def _visible(requests):
    # The service type's half of the rule is checked in the catalog (request_by_id).
    return requests.public_own().values(*ONE_COLUMNS, **TIMES).order_by()[:1]


_BY_PUBLIC_ID = CompiledQuery(
    lambda jurisdiction, public_id: _visible(
        ServiceRequest.objects.filter(jurisdiction_id=jurisdiction, public_id=public_id)
    ),
    jurisdiction=-311,
    public_id="\x00public id",
)
_BY_SOURCE_ID = CompiledQuery(
    lambda jurisdiction, source_id: _visible(
        # "NOT source_id = ''" repeats the unique index's condition, for SQLite to use it.
        ServiceRequest.objects.filter(jurisdiction_id=jurisdiction, source_id=source_id).exclude(
            source_id=""
        )
    ),
    jurisdiction=-311,
    source_id="\x00source id",
)


# Its own query, run only for a request with photos: a subquery for every request cost the
# database more than the look-up itself.
_FIRST_PHOTO = CompiledQuery(
    lambda request: ServiceRequest.objects.filter(pk=request).values(image=first_image()),
    request=-311,
)


def request_by_id(jurisdiction: Jurisdiction, request_id: str) -> dict | None:
    """The row `list_requests` gives for this id: by public id or, failing that, by the
    source's own id of an imported request. None when unknown or not public."""
    row = _BY_PUBLIC_ID.first(
        jurisdiction=jurisdiction.pk, public_id=normalize_public_id(request_id)
    )
    if row is None and request_id:
        row = _BY_SOURCE_ID.first(jurisdiction=jurisdiction.pk, source_id=request_id)
    if row is None:
        return None
    service_id, department_id = row["service_type_id"], row["department_id"]
    catalog = _catalog_holding(
        jurisdiction,
        lambda c: (
            service_id in c.services and (department_id is None or department_id in c.departments)
        ),
    )
    service = catalog.services.get(service_id)
    if service is None or not service.public:
        return None
    row["service_type__code"] = service.code
    row["service_type__name"] = service.name
    row["service_type__notice"] = service.notice
    department = catalog.departments.get(department_id)
    row["department__name"] = department.name if department else None
    row["image"] = _FIRST_PHOTO.first(request=row["id"])["image"] if row["has_photos"] else None
    return row
