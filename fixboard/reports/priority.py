"""The work queue's priority: which open request to work first, and why.

A request's score is the sum of five parts, each computed from columns of the request (and
its service type's severity), so the database ranks a department's whole queue in one
query, the same way on SQLite and PostgreSQL (plain CASE, MIN/MAX and arithmetic; the
clock is a parameter, never a database function):

============================  ===============================================================
part                          points
============================  ===============================================================
people                        2 per supporter or merged duplicate (`support_count` +
                              `duplicate_count`), at most 40 (20 people)
SLA time left                 overdue 40 · due within 24 h 25 · within 3 days 10 ·
                              later or no SLA 0
age (since requested)         over 30 days 20 · over 7 days 12 · over 2 days 6 · over 1 day 3
service type severity         low −15 · normal 0 · high 15 · critical 30
staff priority (`priority`)   10 per step, from −5 to +5 steps (−50 … +50)
============================  ===============================================================

Ties go to the older request. `explain()` gives the same parts in words, largest first
("12 supporters · SLA due in 3 h · high severity"), from the same numbers as `score()`:
what the row says is what ranked it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Case, ExpressionWrapper, F, IntegerField, Value, When
from django.db.models.functions import Greatest, Least
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fixboard.catalog.models import ServiceType, Severity

PER_PERSON = 2
PEOPLE_CAP = 20
# (later than now + hours, points): the first that matches applies.
SLA_POINTS = ((0, 40), (24, 25), (72, 10))
AGE_POINTS = ((30 * 24, 20), (7 * 24, 12), (2 * 24, 6), (24, 3))
SEVERITY_POINTS = {
    Severity.LOW: -15,
    Severity.NORMAL: 0,
    Severity.HIGH: 15,
    Severity.CRITICAL: 30,
}
STAFF_STEP = 10
STAFF_STEPS = 5


def score(now: datetime):
    """The score of each request as an ORM expression; order by it descending. (Reads the
    service types of other than normal severity, a small query.)"""
    people = Least(F("support_count") + F("duplicate_count"), Value(PEOPLE_CAP)) * PER_PERSON
    sla = Case(
        *(
            When(expected_at__lte=now + timedelta(hours=hours), then=Value(points))
            for hours, points in SLA_POINTS
        ),
        default=Value(0),
    )
    age = Case(
        *(
            When(requested_at__lte=now - timedelta(hours=hours), then=Value(points))
            for hours, points in AGE_POINTS
        ),
        default=Value(0),
    )
    # By service type id rather than a join: the catalog is small, the queue large.
    by_points: dict[int, list[int]] = {}
    for pk, level in ServiceType.objects.exclude(severity=Severity.NORMAL).values_list(
        "pk", "severity"
    ):
        if SEVERITY_POINTS.get(level):
            by_points.setdefault(SEVERITY_POINTS[level], []).append(pk)
    severity = Case(
        *(
            When(service_type_id__in=ids, then=Value(points))
            for points, ids in sorted(by_points.items())
        ),
        default=Value(0),
    )
    staff = Greatest(Least(F("priority"), Value(STAFF_STEPS)), Value(-STAFF_STEPS)) * STAFF_STEP
    return ExpressionWrapper(people + sla + age + severity + staff, output_field=IntegerField())


def annotate(queryset, now: datetime, name: str = "priority_score"):
    """`queryset` with each request's score as `name`."""
    return queryset.annotate(**{name: score(now)})


@dataclass(frozen=True)
class Part:
    name: str
    points: int
    reason: str


def _duration(delta: timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return ngettext("%(n)d min", "%(n)d min", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(n)d h", "%(n)d h", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def _first(rules, passed, hours: float) -> int:
    for limit, points in rules:
        if passed(hours, limit):
            return points
    return 0


def parts(request, now: datetime) -> list[Part]:
    """The parts of `request`'s score (a ServiceRequest with its service type), with the
    reason for each part that counts, largest first."""
    found: list[Part] = []
    supporters, duplicates = request.support_count, request.duplicate_count
    people = min(supporters + duplicates, PEOPLE_CAP) * PER_PERSON
    if people:
        words = []
        if supporters:
            words.append(
                ngettext("%(n)d supporter", "%(n)d supporters", supporters) % {"n": supporters}
            )
        if duplicates:
            words.append(
                ngettext("%(n)d duplicate merged", "%(n)d duplicates merged", duplicates)
                % {"n": duplicates}
            )
        found.append(Part("people", people, " · ".join(words)))
    if request.expected_at is not None:
        left = request.expected_at - now
        hours = left.total_seconds() / 3600
        points = _first(SLA_POINTS, lambda h, limit: h <= limit, hours)
        if points:
            reason = (
                _("overdue by %(t)s") % {"t": _duration(-left)}
                if left.total_seconds() <= 0
                else _("SLA due in %(t)s") % {"t": _duration(left)}
            )
            found.append(Part("sla", points, reason))
    age = now - request.requested_at
    points = _first(AGE_POINTS, lambda h, limit: h >= limit, age.total_seconds() / 3600)
    if points:
        found.append(Part("age", points, _("open %(t)s") % {"t": _duration(age)}))
    severity = request.service_type.severity
    points = SEVERITY_POINTS.get(severity, 0)
    if points:
        found.append(
            Part("severity", points, _("%(s)s severity") % {"s": Severity(severity).label})
        )
    steps = max(min(request.priority, STAFF_STEPS), -STAFF_STEPS)
    if steps:
        reason = (
            _("raised by staff (+%(n)d)") % {"n": steps}
            if steps > 0
            else _("lowered by staff (%(n)d)") % {"n": steps}
        )
        found.append(Part("staff", steps * STAFF_STEP, reason))
    found.sort(key=lambda part: -abs(part.points))
    return found


def total(request, now: datetime) -> int:
    """`score()` of one request, computed in Python."""
    return sum(part.points for part in parts(request, now))


def explain(request, now: datetime) -> str:
    """Why `request` ranks where it does, in words: "12 supporters · SLA due in 3 h"."""
    return " · ".join(part.reason for part in parts(request, now)) or _("no urgency signals")
