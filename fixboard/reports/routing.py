"""Which department works a request: routing rules by service type and area, else the default."""

from collections.abc import Iterable

from fixboard.catalog.models import RoutingRule, ServiceType
from fixboard.core.snapshots import Snapshot
from fixboard.places.models import Jurisdiction


def _load_rules(jurisdiction_id: int) -> list[tuple[int | None, int | None, int]]:
    # In rule order; the model's default order would join jurisdictions to sort by name.
    return list(
        RoutingRule.objects.filter(jurisdiction_id=jurisdiction_id)
        .order_by("order", "id")
        .values_list("service_type_id", "area_id", "department_id")
    )


# Every submission reads its jurisdiction's rules: each process keeps them a few seconds.
_rules = Snapshot("reports.routing_rules", _load_rules, models=(RoutingRule,))


class Router:
    """The routing rules of one jurisdiction, loaded once for many requests."""

    def __init__(self, jurisdiction: Jurisdiction, service_type: ServiceType | None = None):
        """All the rules, or for one request only those that may apply to its `service_type`."""
        rules = _rules.get(jurisdiction.pk)
        if service_type is None:
            self.defaults = dict(
                ServiceType.objects.filter(jurisdiction=jurisdiction).values_list(
                    "id", "default_department_id"
                )
            )
            self.rules = rules
        else:
            self.defaults = {service_type.pk: service_type.default_department_id}
            self.rules = [r for r in rules if r[0] in (None, service_type.pk)]

    def department_id(self, service_type_id: int, area_ids: Iterable[int]) -> int | None:
        areas = set(area_ids)
        for rule_service, rule_area, department in self.rules:
            if rule_service not in (None, service_type_id):
                continue
            if rule_area is not None and rule_area not in areas:
                continue
            return department
        if service_type_id not in self.defaults:
            self.defaults.update(
                ServiceType.objects.filter(id=service_type_id).values_list(
                    "id", "default_department_id"
                )
            )
        return self.defaults.get(service_type_id)
