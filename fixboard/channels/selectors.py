"""What the phone channels did, for the call center's managers."""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from fixboard.core.phones import display_phone
from fixboard.places.models import Jurisdiction

from .models import Deflection

DAYS = 30


@dataclass(frozen=True)
class LineCount:
    number: str  # E.164, "" for calls counted before the number was kept
    last_7: int
    last_30: int

    @property
    def shown(self) -> str:
        return display_phone(self.number) if self.number else ""


@dataclass(frozen=True)
class DeflectionFigures:
    """Calls sent online in one jurisdiction, by the days of its own clock."""

    jurisdiction: Jurisdiction
    today: int
    last_7: int
    last_30: int
    days: list[tuple[date, int]]  # the last DAYS days, newest first, quiet days included
    lines: list[LineCount]  # busiest first

    @property
    def chart(self) -> list[tuple[date, int, float]]:
        """The days oldest first, each with its bar's height in percent of the busiest day."""
        peak = max((calls for _day, calls in self.days), default=0)
        return [(day, calls, 100 * calls / peak if peak else 0) for day, calls in self.days[::-1]]


def deflection_figures(
    jurisdiction: Jurisdiction, *, now: datetime | None = None
) -> DeflectionFigures:
    """Calls sent online today, in the last 7 and 30 days (today included), per day and
    per line, in the jurisdiction's time zone. Two grouped queries on its index."""
    zone = zoneinfo.ZoneInfo(jurisdiction.timezone)
    today = timezone.localdate(now or timezone.now(), zone)
    first = today - timedelta(days=DAYS - 1)
    week = datetime.combine(today - timedelta(days=6), time.min, tzinfo=zone)
    calls = Deflection.objects.filter(
        jurisdiction=jurisdiction, created_at__gte=datetime.combine(first, time.min, tzinfo=zone)
    )
    per_day = dict(
        calls.annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days = [today - timedelta(days=i) for i in range(DAYS)]
    days = [(day, per_day.get(day, 0)) for day in days]
    lines = (
        calls.values("line")
        .annotate(last_30=Count("id"), last_7=Count("id", filter=Q(created_at__gte=week)))
        .order_by("-last_30", "line")
    )
    return DeflectionFigures(
        jurisdiction=jurisdiction,
        today=days[0][1],
        last_7=sum(n for _day, n in days[:7]),
        last_30=sum(n for _day, n in days),
        days=days,
        lines=[LineCount(row["line"], row["last_7"], row["last_30"]) for row in lines],
    )
