"""SLAs of requests: when each is due, its state now, and the breaches on the timeline.

The due time is the service type's SLA target (business hours or days, calendar hours or
days) counted from when the request was made through the jurisdiction's business calendar
(fixboard.catalog.calendars.due, the one rule of every door: submission, re-categorisation,
imports). A request is due soon within SLA_DUE_SOON_HOURS of its due time, overdue after it
while open. The worker's reconcile runs `record_breaches`, which puts each breach once on
the request's timeline, as an internal event.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from fixboard.catalog import calendars
from fixboard.catalog.models import ServiceType

from . import events
from .models import Event, ServiceRequest, Status
from .signals import sla_breached

logger = logging.getLogger(__name__)

ON_TIME, DUE_SOON, OVERDUE, NONE = "on_time", "due_soon", "overdue", "none"
STATES = (ON_TIME, DUE_SOON, OVERDUE, NONE)
# Who the timeline says recorded a breach.
SLA_ACTOR = "SLA"
# Breaches one run of `record_breaches` records at most: the next run takes the rest.
BREACH_BATCH = 200


def expected_at(service_type: ServiceType, requested_at: datetime) -> datetime | None:
    """The SLA due time of a request of `service_type` made at `requested_at` (aware UTC);
    None without a target."""
    return calendars.due(
        service_type.jurisdiction_id, service_type.sla_value, service_type.sla_unit, requested_at
    )


def due_soon_window() -> timedelta:
    return timedelta(hours=settings.SLA_DUE_SOON_HOURS)


def state(request: ServiceRequest, now: datetime | None = None) -> str:
    """ "on_time", "due_soon", "overdue" or "none" (closed, or no due time) at `now`."""
    if request.status == Status.CLOSED or request.expected_at is None:
        return NONE
    now = now or timezone.now()
    if request.expected_at < now:
        return OVERDUE
    if request.expected_at < now + due_soon_window():
        return DUE_SOON
    return ON_TIME


def _open_with_due() -> Q:
    # Spelled as the condition of the index sr_open_due, so both databases use it.
    return ~Q(status=Status.CLOSED) & Q(expected_at__isnull=False)


def filter_state(queryset: QuerySet, sla_state: str, now: datetime | None = None) -> QuerySet:
    """The requests of `queryset` in `sla_state` at `now` (the rule of `state`, in SQL):
    a range of the open requests' due times (index sr_open_due)."""
    now = now or timezone.now()
    if sla_state == OVERDUE:
        return queryset.filter(_open_with_due(), expected_at__lt=now)
    if sla_state == DUE_SOON:
        return queryset.filter(
            _open_with_due(), expected_at__gte=now, expected_at__lt=now + due_soon_window()
        )
    if sla_state == ON_TIME:
        return queryset.filter(_open_with_due(), expected_at__gte=now + due_soon_window())
    if sla_state == NONE:
        return queryset.filter(Q(status=Status.CLOSED) | Q(expected_at__isnull=True))
    raise ValueError(f"unknown SLA state {sla_state!r}")


def unrecorded_breaches(now: datetime) -> QuerySet:
    """Open requests past their due time whose breach of that due time is not recorded."""
    return filter_state(ServiceRequest.objects.all(), OVERDUE, now).filter(
        Q(sla_breached_at__isnull=True) | ~Q(sla_breached_at=F("expected_at"))
    )


def record_breach(request_id: int, due: datetime, now: datetime) -> Event | None:
    """Record that the request went past `due`, once: None when it is no longer overdue at
    `due` (closed, due time moved) or another worker recorded it first."""
    with transaction.atomic():
        claimed = (
            ServiceRequest.objects.filter(pk=request_id, expected_at=due, expected_at__lt=now)
            .exclude(status=Status.CLOSED)
            .filter(Q(sla_breached_at__isnull=True) | ~Q(sla_breached_at=due))
            .update(sla_breached_at=due)
        )
        if not claimed:
            return None
        request = ServiceRequest.objects.select_related("service_type", "department").get(
            pk=request_id
        )
        event = events.sla_breached(request, actor=SLA_ACTOR, at=now, due=due)
        sla_breached.send(sender=ServiceRequest, request=request, event=event)
    return event


def record_breaches(now: datetime | None = None, limit: int = BREACH_BATCH) -> int:
    """Put on the timeline the breaches not recorded yet, the oldest first, at most `limit`;
    returns how many. Safe to run in many workers at once (each breach is claimed by a
    conditional update); run by the worker's reconcile (WORKER_RECONCILERS)."""
    now = now or timezone.now()
    found = list(
        unrecorded_breaches(now).order_by("expected_at").values_list("id", "expected_at")[:limit]
    )
    recorded = 0
    for request_id, due in found:
        try:
            recorded += record_breach(request_id, due, now) is not None
        except Exception:
            # One request's failing listener must not keep the others' breaches off.
            logger.exception("Could not record the SLA breach of request %s", request_id)
    return recorded
