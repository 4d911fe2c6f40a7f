"""Public figures of a city, an area or a department, read from the maintained tallies.

One indexed read of the scope's tallies per page: a few rows per service type and bucket of
days to fix, whatever the number of requests. Only public service types are shown (a type
made private since its requests were counted is left out at once, and from the tallies at
the next rebuild); nothing about a person is in a tally.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from fixboard.catalog.models import Department, ServiceType

from .models import NO_BUCKET, FigureTally, Outcome, Scope, Sla


def percentile(histogram: dict[int, int], share: float) -> int | None:
    """The bucket (lower edge, in days) holding the nearest-rank `share` percentile."""
    total = sum(histogram.values())
    if not total:
        return None
    rank = max(1, math.ceil(share * total))
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= rank:
            return bucket
    return None  # not reached: the ranks add up to the total


@dataclass
class Figures:
    """Requests of one service type (or of all, `name` empty) in one scope."""

    code: str = ""
    name: str = ""
    opened: int = 0
    fixed: int = 0
    still_open: int = 0
    closed_otherwise: int = 0
    sla_due: int = 0  # fixed requests that had a due time
    sla_met: int = 0
    days_to_fix: dict[int, int] = field(default_factory=dict)

    def add(self, outcome: str, bucket: int, sla: int, count: int) -> None:
        self.opened += count
        if outcome == Outcome.OPEN:
            self.still_open += count
        elif outcome == Outcome.CLOSED:
            self.closed_otherwise += count
        else:
            self.fixed += count
            if bucket != NO_BUCKET:
                self.days_to_fix[bucket] = self.days_to_fix.get(bucket, 0) + count
            if sla != Sla.NONE:
                self.sla_due += count
                self.sla_met += count if sla == Sla.MET else 0

    @property
    def median_days(self) -> int | None:
        return percentile(self.days_to_fix, 0.5)

    @property
    def p90_days(self) -> int | None:
        return percentile(self.days_to_fix, 0.9)

    @property
    def sla_percent(self) -> int | None:
        """Share of fixed requests with a due time that were fixed by it, in percent."""
        return round(100 * self.sla_met / self.sla_due) if self.sla_due else None

    def percent(self, part: int) -> float:
        return 100 * part / self.opened if self.opened else 0

    @property
    def fixed_percent(self) -> float:
        return self.percent(self.fixed)

    @property
    def closed_percent(self) -> float:
        return self.percent(self.closed_otherwise)

    @property
    def open_percent(self) -> float:
        return self.percent(self.still_open)


@dataclass
class ScopeFigures:
    total: Figures
    by_service: list[Figures]  # most opened first


def _tallies(scope: str, scope_ids: list[int], service_type_id: int | None = None):
    rows = FigureTally.objects.filter(scope=scope, scope_id__in=scope_ids, count__gt=0)
    if service_type_id is not None:
        rows = rows.filter(service_type_id=service_type_id)
    return rows.values_list("scope_id", "service_type_id", "outcome", "fix_bucket", "sla", "count")


def _public_types(ids) -> dict[int, tuple[str, str]]:
    return {
        pk: (code, name)
        for pk, code, name in ServiceType.objects.filter(pk__in=set(ids), public=True)
        .order_by()
        .values_list("pk", "code", "name")
    }


def _by_service(rows) -> ScopeFigures:
    rows = list(rows)
    types = _public_types(row[1] for row in rows)
    total, services = Figures(), {}
    for _scope_id, type_id, outcome, bucket, sla, count in rows:
        if type_id not in types:
            continue
        code, name = types[type_id]
        services.setdefault(type_id, Figures(code=code, name=name)).add(outcome, bucket, sla, count)
        total.add(outcome, bucket, sla, count)
    ordered = sorted(services.values(), key=lambda f: (-f.opened, f.name))
    return ScopeFigures(total=total, by_service=ordered)


def city_figures(jurisdiction_id: int) -> ScopeFigures:
    return _by_service(_tallies(Scope.CITY, [jurisdiction_id]))


def area_figures(area_id: int) -> ScopeFigures:
    return _by_service(_tallies(Scope.AREA, [area_id]))


def departments_figures(jurisdiction_id: int) -> list[tuple[str, Figures]]:
    """Each active department of the jurisdiction with the figures of all its public types."""
    departments = dict(
        Department.objects.filter(jurisdiction_id=jurisdiction_id, active=True).values_list(
            "pk", "name"
        )
    )
    rows = list(_tallies(Scope.DEPARTMENT, list(departments)))
    types = _public_types(row[1] for row in rows)
    figures: dict[int, Figures] = defaultdict(Figures)
    for department_id, type_id, outcome, bucket, sla, count in rows:
        if type_id in types:
            figures[department_id].add(outcome, bucket, sla, count)
    named = [(departments[pk], f) for pk, f in figures.items()]
    return sorted(named, key=lambda item: (-item[1].opened, item[0]))


def service_figures_in(
    *, service_type_id: int, jurisdiction_id: int, areas: list[dict]
) -> list[tuple[dict | None, Figures]]:
    """A public request's service type in each of its areas (dicts with an `id`), then in the
    whole city (area None): the request page's "Potholes in this area: 15 of 17 fixed".

    One query: the request is public, so its service type is."""
    in_scope = Q(scope=Scope.CITY, scope_id=jurisdiction_id) | Q(
        scope=Scope.AREA, scope_id__in=[a["id"] for a in areas]
    )
    rows = FigureTally.objects.filter(in_scope, service_type_id=service_type_id, count__gt=0)
    figures = defaultdict(Figures)
    for scope, scope_id, outcome, bucket, sla, count in rows.values_list(
        "scope", "scope_id", "outcome", "fix_bucket", "sla", "count"
    ):
        figures[(scope, scope_id)].add(outcome, bucket, sla, count)
    places = [(a, figures[(Scope.AREA, a["id"])]) for a in areas]
    places.append((None, figures[(Scope.CITY, jurisdiction_id)]))
    return [(area, f) for area, f in places if f.opened]
