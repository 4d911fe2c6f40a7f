"""Service types and departments named in a file, found by name or created once."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.text import slugify

from fixboard.catalog.models import Department, ServiceType
from fixboard.core.snapshots import configuration_changed
from fixboard.places.models import Jurisdiction


def _code(name: str, limit: int) -> str:
    # Names made only of punctuation or non-Latin script slugify to nothing.
    return slugify(name)[:limit] or "x-" + hashlib.sha1(name.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class Service:
    id: int
    sla_hours: int | None


class CatalogCache:
    """Looks names up once per import; creates what the jurisdiction does not have yet."""

    def __init__(self, jurisdiction: Jurisdiction):
        self.jurisdiction = jurisdiction
        self.services: dict[str, Service] = {}
        self.departments: dict[str, int] = {}
        self.created_services: list[str] = []
        self.created_departments: list[str] = []
        for pk, code, name, sla in ServiceType.objects.filter(
            jurisdiction=jurisdiction
        ).values_list("id", "code", "name", "sla_hours"):
            self.services.setdefault(name.casefold(), Service(pk, sla))
            self.services.setdefault(code, Service(pk, sla))
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
        new_services: dict[str, ServiceType] = {}
        # A name met before is known by its case-folded spelling: no slug to make.
        for name, group in services.items():
            if name.casefold() in self.services:
                continue
            code = _code(name, 100)
            if code not in self.services:
                new_services.setdefault(
                    code,
                    ServiceType(
                        jurisdiction=self.jurisdiction,
                        code=code,
                        name=name,
                        group=group,
                        requires_confirmation=False,
                    ),
                )
        new_departments: dict[str, Department] = {}
        for name in departments:
            if name.casefold() in self.departments:
                continue
            code = _code(name, 64)
            if code not in self.departments:
                new_departments.setdefault(
                    code, Department(jurisdiction=self.jurisdiction, code=code, name=name)
                )
        for created in ServiceType.objects.bulk_create(new_services.values()):
            self.services[created.code] = Service(created.pk, None)
            self.created_services.append(created.name)
        for created in Department.objects.bulk_create(new_departments.values()):
            self.departments[created.code] = created.pk
            self.created_departments.append(created.name)
        if new_services or new_departments:
            # bulk_create sends no post_save: every process must still see them.
            configuration_changed()

    def service(self, name: str, group: str = "") -> Service:
        """The service type called `name` (or with code slugify(name)), created if unseen."""
        key = name.casefold()
        found = self.services.get(key)
        if found is None:
            code = _code(name, 100)
            found = self.services.get(code)
            if found is None:
                created = ServiceType.objects.create(
                    jurisdiction=self.jurisdiction,
                    code=code,
                    name=name,
                    group=group,
                    requires_confirmation=False,
                )
                found = Service(created.pk, None)
                self.created_services.append(name)
                self.services[code] = found
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
                found = Department.objects.create(
                    jurisdiction=self.jurisdiction, code=code, name=name
                ).pk
                self.created_departments.append(name)
                self.departments[code] = found
            self.departments[key] = found
        return found
