"""Which CRM a request is forwarded to: the first routing rule that matches it decides
(as it decides the department, `reports.routing`)."""

from fixboard.catalog.models import CrmEndpoint, RoutingRule
from fixboard.core.snapshots import Snapshot
from fixboard.reports.models import ServiceRequest


def _load_rules(jurisdiction_id: int) -> list[tuple[int | None, int | None, int | None]]:
    rules = list(
        RoutingRule.objects.filter(jurisdiction_id=jurisdiction_id)
        .order_by("order", "id")
        .values_list("service_type_id", "area_id", "crm_endpoint_id")
    )
    # A city without a CRM reads nothing more for each submission.
    return rules if any(endpoint for _, _, endpoint in rules) else []


# Read by every submission: each process keeps them until the configuration changes.
_rules = Snapshot("bridge.crm_rules", _load_rules, models=(RoutingRule, CrmEndpoint))


def endpoint_for(request: ServiceRequest) -> CrmEndpoint | None:
    areas = None
    for service_type_id, area_id, endpoint_id in _rules.get(request.jurisdiction_id):
        if service_type_id not in (None, request.service_type_id):
            continue
        if area_id is not None:
            if areas is None:
                areas = set(request.areas.values_list("id", flat=True))
            if area_id not in areas:
                continue
        if endpoint_id is None:
            return None
        return CrmEndpoint.objects.filter(pk=endpoint_id, active=True).first()
    return None
