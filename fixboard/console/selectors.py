"""Reads of the call console: the call on, the caller's requests in words, services and
topics to pick from, the call-taker's day. Staff reads: callers' details appear here."""

import statistics
from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from fixboard.accounts import scope
from fixboard.catalog.models import CallTopic, ServiceType
from fixboard.places.models import Jurisdiction
from fixboard.reports.models import ServiceRequest, Status
from fixboard.reports.selectors import nearby_open_requests

from .models import Call

NEARBY_METRES = 150
CALLER_REQUESTS = 5


def current_call(agent) -> Call | None:
    """The agent's call still on, if any."""
    return (
        Call.objects.select_related("contact", "service_type", "jurisdiction", "request", "topic")
        .filter(agent=agent, ended_at__isnull=True)
        .order_by("-started_at")
        .first()
    )


def call_of(agent, pk: int) -> Call | None:
    """One of the agent's own calls."""
    return (
        Call.objects.select_related("contact", "service_type", "jurisdiction", "request")
        .filter(agent=agent, pk=pk)
        .first()
    )


def console_jurisdictions(agent) -> list[Jurisdiction]:
    """The cities this agent takes calls for."""
    return list(scope.scoped(Jurisdiction.objects.all(), agent, path="pk").order_by("name"))


def caller_requests(contact) -> list[ServiceRequest]:
    """The caller's latest requests: those they reported, supported or follow."""
    if contact is None:
        return []
    # Three index look-ups rather than one OR of subqueries, which a planner may answer by
    # reading every request.
    ids = {
        *ServiceRequest.objects.filter(reporter=contact).values_list("pk", flat=True)[:50],
        *contact.support_set.values_list("request_id", flat=True)[:50],
        *contact.follow_set.values_list("request_id", flat=True)[:50],
    }
    if not ids:
        return []
    return list(
        ServiceRequest.objects.filter(pk__in=ids)
        .select_related("service_type", "department")
        .order_by("-requested_at")[:CALLER_REQUESTS]
    )


def _day(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "F j")


def _expected(moment: datetime) -> str:
    local = timezone.localtime(moment)
    if 0 <= (local.date() - timezone.localdate()).days < 7:
        return formats.date_format(local, "l")
    return formats.date_format(local, "l, F j")


def status_sentence(request: ServiceRequest) -> str:
    """What to read to the caller about a request, in plain words: "Your Pothole report at
    1900 E 4th St from March 3 is in progress with Street Services; expected by Friday." """
    values = {
        "service": request.service_type.name,
        "place": request.address or _("the place you gave"),
        "day": _day(request.requested_at),
        "department": request.department.name if request.department else _("the city"),
    }
    if request.status == Status.CLOSED:
        sentence = _("Your %(service)s report at %(place)s from %(day)s was closed on %(closed)s")
        values["closed"] = _day(request.closed_at or request.updated_at)
        if request.status_notes:
            sentence += ": %(notes)s"
            values["notes"] = request.status_notes
        return (sentence % values) + "."
    if request.status == Status.IN_PROGRESS:
        sentence = _(
            "Your %(service)s report at %(place)s from %(day)s is in progress with %(department)s"
        )
    elif request.status == Status.ACKNOWLEDGED:
        sentence = _(
            "Your %(service)s report at %(place)s from %(day)s has been seen by %(department)s"
        )
    else:
        sentence = _(
            "Your %(service)s report at %(place)s from %(day)s is with %(department)s "
            "and waits its turn"
        )
    if request.expected_at:
        if request.expected_at < timezone.now():
            return (sentence % values) + "; " + _("it is past its expected date.")
        values["expected"] = _expected(request.expected_at)
        return (sentence % values) + "; " + (_("expected by %(expected)s.") % values)
    return (sentence % values) + "."


def _words(text: str) -> list[str]:
    return [w for w in text.lower().replace(",", " ").split() if w]


def find_service_types(jurisdiction: Jurisdiction, text: str, limit: int = 9) -> list[ServiceType]:
    """The city's active services matching what was typed, by name and then by keywords
    ("tagging" finds Graffiti Removal); best first."""
    words = _words(text)
    if not words:
        return []
    ranked = []
    for service in ServiceType.objects.filter(jurisdiction=jurisdiction, active=True):
        name = service.name.lower()
        keywords = _words(service.keywords) + _words(service.description)
        rank = 0
        for word in words:
            if name.startswith(word) or any(w.startswith(word) for w in _words(name)):
                rank += 3
            elif word in name:
                rank += 2
            elif any(k.startswith(word) for k in keywords):
                rank += 1
            else:
                rank = 0
                break
        if rank:
            ranked.append((-rank, service.name, service))
    return [service for *_key, service in sorted(ranked, key=lambda r: r[:2])[:limit]]


def open_nearby(call: Call, limit: int = 5) -> list[dict]:
    """Open requests of the call's service near its place: "is it one of these?"."""
    if call.service_type_id is None or call.lat is None:
        return []
    return nearby_open_requests(call.service_type, call.lat, call.long, NEARBY_METRES, limit)


def topics(jurisdiction: Jurisdiction) -> list[CallTopic]:
    return list(CallTopic.objects.filter(jurisdiction=jurisdiction, active=True)[:9])


@dataclass(frozen=True)
class Day:
    calls: int
    median_seconds: int | None


def my_day(agent) -> Day:
    """The agent's calls since midnight (their city's time) and their median handle time."""
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    rows = Call.objects.filter(agent=agent, started_at__gte=midnight).values_list(
        "started_at", "ended_at"
    )
    times = [(end - start).total_seconds() for start, end in rows if end]
    median = round(statistics.median(times)) if times else None
    return Day(calls=len(rows), median_seconds=median)
