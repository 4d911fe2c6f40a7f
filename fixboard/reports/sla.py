"""When a request is due: its service type's SLA target counted from when it was made."""

from datetime import datetime, timedelta

from fixboard.catalog.models import ServiceType


def expected_at(service_type: ServiceType, requested_at: datetime) -> datetime | None:
    """The SLA due time of a request of `service_type` made at `requested_at`; None without
    a target."""
    if not service_type.sla_hours:
        return None
    return requested_at + timedelta(hours=service_type.sla_hours)
