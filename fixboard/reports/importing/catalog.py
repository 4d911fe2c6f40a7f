"""Service types and departments named in a file, found by name or created once, through
the catalog's bulk domain functions (validated, one audit entry per created object)."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.text import slugify

from fixboard.catalog.actions import create_departments, create_service_types
from fixboard.catalog.models import Department, ServiceType, SlaUnit
from fixboard.places.models import Jurisdiction

# Who the audit log says created the catalog entries an import needed.
IMPORTER = "fixboard import-requests"


def _code(name: str, limit: int) -> str:
    # Names made only of punctuation or non-Latin script slugify to nothing.
    return slugify(name)[:limit] or "x-" + hashlib.sha1(name.encode()).hexdigest()[:10]


def _service_fields(code: str, name: str, group: str) -> dict:
    # Imported history needs no e-mail confirmation.
    return {"code": code, "name": name, "group": group, "requires_confirmation": False}


@dataclass(frozen=True)
class Service:
    id: int
    sla_value: int | None = None
    sla_unit: str = SlaUnit.CALENDAR_HOURS


class CatalogCache:
    """Looks names up once per import; creates what the jurisdiction does not have yet."""

    def __init__(self, jurisdiction: Jurisdiction, actor: str = IMPORTER):
        self.jurisdiction = jurisdiction
        self.actor = actor
        self.services: dict[str, Service] = {}
        self.departments: dict[str, int] = {}
        self.created_services: list[str] = []
        self.created_departments: list[str] = []
        for pk, code, name, value, unit in ServiceType.objects.filter(
            jurisdiction=jurisdiction
        ).values_list("id", "code", "name", "sla_value", "sla_unit"):
            self.services.setdefault(name.casefold(), Service(pk, value, unit))
            self.services.setdefault(code, Service(pk, value, unit))
        for pk, code, name in Department.objects.filter(jurisdiction=jurisdiction).values_list(
            "id", "code", "name"
        ):
            self.departments.setdefault(name.casefold(), pk)
            self.departments.setdefault(code, pk)

    def prepare(self, services: dict[str, str], departments: Iterable[str]) -> None:
        """Create at once the service types ({name: group}) and departments not known yet.

        A city's export names hundreds of departments; created one `save()` at a time they
        cost a small import a tenth of its time. Names meet as in `service` and
        `department`: by case-folded name, then by code, the first spelling wins.
        """
        new_services: dict[str, dict] = {}
        # A name met before is known by its case-folded spelling: no slug to make.
        for name, group in services.items():
            if name.casefold() in self.services:
                continue
            code = _code(name, 100)
            if code not in self.services:
                new_services.setdefault(code, _service_fields(code, name, group))
        new_departments: dict[str, dict] = {}
        for name in departments:
            if name.casefold() in self.departments:
                continue
            code = _code(name, 64)
            if code not in self.departments:
                new_departments.setdefault(code, {"code": code, "name": name})
        self._create_services(list(new_services.values()))
        self._create_departments(list(new_departments.values()))

    def _create_services(self, rows: list[dict]) -> list[Service]:
        if not rows:
            return []
        created = create_service_types(
            actor=self.actor, jurisdiction=self.jurisdiction, service_types=rows
        )
        for service in created:
            self.services[service.code] = Service(service.pk)
            self.created_services.append(service.name)
        return [self.services[s.code] for s in created]

    def _create_departments(self, rows: list[dict]) -> list[int]:
        if not rows:
            return []
        created = create_departments(
            actor=self.actor, jurisdiction=self.jurisdiction, departments=rows
        )
        for department in created:
            self.departments[department.code] = department.pk
            self.created_departments.append(department.name)
        return [d.pk for d in created]

    def service(self, name: str, group: str = "") -> Service:
        """The service type called `name` (or with code slugify(name)), created if unseen."""
        key = name.casefold()
        found = self.services.get(key)
        if found is None:
            code = _code(name, 100)
            found = self.services.get(code)
            if found is None:
                (found,) = self._create_services([_service_fields(code, name, group)])
            self.services[key] = found
        return found

    def department(self, name: str) -> int:
        """The id of the department called `name` (or coded slugify(name)), created if unseen."""
        key = name.casefold()
        found = self.departments.get(key)
        if found is None:
            code = _code(name, 64)
            found = self.departments.get(code)
            if found is None:
                (found,) = self._create_departments([{"code": code, "name": name}])
            self.departments[key] = found
        return found
