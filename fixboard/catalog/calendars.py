"""Business time: when a request is due, counted in a jurisdiction's working hours.

One computation for every door (submission, re-categorisation, imports): `due(...)` adds an
SLA target to a moment. Business hours are counted only inside the working hours of the
jurisdiction's calendar, in its own time zone, skipping nights, weekends, public holidays
(the `holidays` library) and days closed by hand, and counting extra working days; an hour
is an hour of real time, so a daylight-saving change inside a working range lengthens or
shortens that day as the clock does. Business days are due at the end of the Nth working
day after the day the request came in. A jurisdiction without a calendar counts calendar
time. Each process keeps each calendar until the configuration changes
(fixboard.core.snapshots).
"""

import re
import zoneinfo
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

import holidays
from django.utils.translation import gettext as _

from fixboard.core.snapshots import Snapshot
from fixboard.places.models import Jurisdiction

from .models import WEEKDAYS, BusinessCalendar, CalendarException, SlaUnit

# Looking this many years ahead for working time, a calendar closed for good gives no due time.
MAX_YEARS = 3

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")

Ranges = tuple[tuple[time, time | None], ...]  # None as the end: midnight at the day's end


def parse_hours(text: str) -> Ranges:
    """'08:00-12:00, 13:00-17:00' as ((08:00, 12:00), (13:00, 17:00)); '' as () (closed).

    Raises ValueError with a message a person can act on. 24:00 ends a range at midnight.
    """
    ranges = []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        match = _RANGE.match(part)
        if not match:
            raise ValueError(
                _("Write hours as 08:00-17:00, several separated by commas; %(p)s is not.")
                % {"p": part}
            )
        h1, m1, h2, m2 = map(int, match.groups())
        if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
            raise ValueError(_("%(p)s is not a time of day.") % {"p": part})
        start, end = time(h1, m1), (None if h2 == 24 else time(h2, m2))
        if end is not None and end <= start:
            raise ValueError(_("%(p)s ends before it starts.") % {"p": part})
        ranges.append((start, end))
    ranges.sort()
    for (_s1, e1), (s2, _e2) in zip(ranges, ranges[1:], strict=False):
        if e1 is None or e1 > s2:
            raise ValueError(_("The ranges %(t)s overlap.") % {"t": text})
    return tuple(ranges)


def country_errors(country: str, subdivision: str) -> dict:
    """Errors of a holiday country and subdivision, by field; {} when the library knows them."""
    if not country:
        return {"subdivision": [_("Choose the country first.")]} if subdivision else {}
    supported = holidays.list_supported_countries()
    if country not in supported:
        return {
            "country": [
                _("No public holidays are known for %(c)s: use an ISO code such as US or CA.")
                % {"c": country}
            ]
        }
    if subdivision and subdivision not in supported[country]:
        return {
            "subdivision": [
                _("%(c)s has no subdivision %(s)s; known ones: %(k)s.")
                % {"c": country, "s": subdivision, "k": ", ".join(supported[country])}
            ]
        }
    return {}


@dataclass
class Layout:
    """A calendar's working time from 1 January of `first` to 31 December of `last`."""

    first: int
    last: int
    starts: list[datetime] = field(default_factory=list)
    ends: list[datetime] = field(default_factory=list)
    before: list[timedelta] = field(default_factory=list)
    until: list[timedelta] = field(default_factory=list)
    day_numbers: list[int] = field(default_factory=list)
    day_ends: list[datetime] = field(default_factory=list)


def public_holidays(country: str, subdivision: str, year: int) -> list[tuple[date, str]]:
    """The library's public holidays of `year` and the next, for the admin to check."""
    if not country or country_errors(country, subdivision):
        return []
    found = holidays.country_holidays(country, subdiv=subdivision or None, years=[year, year + 1])
    return sorted(found.items())


class Calendar:
    """A jurisdiction's working time, ready to count with. `business` False: no calendar,
    every moment counts."""

    def __init__(
        self,
        zone: zoneinfo.ZoneInfo,
        *,
        business: bool = False,
        weekly: tuple[Ranges, ...] = ((),) * 7,
        country: str = "",
        subdivision: str = "",
        closed: frozenset[date] = frozenset(),
        opened: dict[date, Ranges] | None = None,
    ):
        self.zone = zone
        self.business = business and (any(weekly) or bool(opened))
        self.weekly = weekly
        self.country, self.subdivision = country, subdivision
        self.closed = closed
        self.opened = opened or {}

    @cached_property
    def _public_holidays(self):
        if not self.country:
            return {}
        return holidays.country_holidays(self.country, subdiv=self.subdivision or None)

    @cached_property
    def _usual_day(self) -> Ranges:
        return next((r for r in self.weekly if r), ())

    def ranges(self, day: date) -> Ranges:
        """The working hours of a day (local times); () when closed."""
        if day in self.opened:
            return self.opened[day] or self._usual_day
        if day in self.closed or day in self._public_holidays:
            return ()
        return self.weekly[day.weekday()]

    def working(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The working intervals of a local day as aware UTC datetimes."""
        return tuple(
            (self._utc(day, start), self._utc(day, end)) for start, end in self.ranges(day)
        )

    def _utc(self, day: date, at: time | None) -> datetime:
        if at is None:
            day, at = day + timedelta(days=1), time(0)
        # A wall time skipped by a daylight-saving change counts from the moment after it.
        return datetime.combine(day, at, self.zone).astimezone(UTC)

    # The working time of whole years, laid out once so that a due time is two bisections
    # (an import asks for one per row): every working interval in order, with the working
    # time before and after it, and every working day with the moment it ends. Replaced as
    # a whole when it grows, so a thread reading it never sees half of one.

    _layout: Layout | None = None

    def _cover(self, first: int, last: int) -> Layout:
        layout = self._layout
        if layout is not None:
            if layout.first <= first and last <= layout.last:
                return layout
            first, last = min(first, layout.first), max(last, layout.last)
        layout = Layout(first, last)
        worked = timedelta(0)
        day = date(first, 1, 1)
        while day.year <= last:
            intervals = self.working(day)
            for begin, end in intervals:
                layout.starts.append(begin)
                layout.ends.append(end)
                layout.before.append(worked)
                worked += end - begin
                layout.until.append(worked)
            if intervals:
                layout.day_numbers.append(day.toordinal())
                layout.day_ends.append(intervals[-1][1])
            day += timedelta(days=1)
        self._layout = layout
        return layout

    def add_business_hours(self, start: datetime, hours: float) -> datetime | None:
        """`start` plus `hours` of working time, as an aware UTC datetime; None when the
        calendar has no working time for years after `start`."""
        start = _utc(start)
        if not self.business:
            return start + timedelta(hours=hours)
        layout = self._cover(start.year - 1, start.year + 1)
        while True:
            i = bisect_right(layout.ends, start)  # the first interval that ends after start
            if i < len(layout.ends):
                # Where start is on the clock of working time, and where the target is.
                target = layout.before[i] + max(start - layout.starts[i], timedelta(0))
                target += timedelta(hours=hours)
                j = bisect_left(layout.until, target, lo=i)
                if j < len(layout.until):
                    return layout.starts[j] + (target - layout.before[j])
            if layout.last - start.year >= MAX_YEARS:
                return None
            layout = self._cover(layout.first, layout.last + 2)

    def add_business_days(self, start: datetime, days: int) -> datetime | None:
        """The end of the `days`-th working day after the local day of `start` (UTC)."""
        if not self.business:
            return self.add_calendar_days(start, days)
        local = start.astimezone(self.zone).date()
        layout = self._cover(local.year - 1, local.year + 1)
        while True:
            k = bisect_right(layout.day_numbers, local.toordinal()) + max(days, 1) - 1
            if k < len(layout.day_ends):
                return layout.day_ends[k]
            if layout.last - local.year >= MAX_YEARS:
                return None
            layout = self._cover(layout.first, layout.last + 2)

    def add_calendar_days(self, start: datetime, days: int) -> datetime:
        """The same wall-clock time `days` days later, in the jurisdiction's time zone."""
        local = start.astimezone(self.zone)
        later = datetime.combine(local.date() + timedelta(days=days), local.time(), self.zone)
        return later.astimezone(UTC)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def build(calendar: BusinessCalendar | None, timezone: str) -> Calendar:
    """A Calendar from its rows (hours already validated by the catalog's actions)."""
    if calendar is None:
        return Calendar(_zone(timezone))
    closed, opened = set(), {}
    for exception in calendar.exceptions.all():
        if exception.kind == CalendarException.Kind.OPEN:
            opened[exception.day] = parse_hours(exception.hours)
        else:
            closed.add(exception.day)
    return Calendar(
        _zone(timezone),
        business=True,
        weekly=tuple(parse_hours(getattr(calendar, name)) for name in WEEKDAYS),
        country=calendar.country,
        subdivision=calendar.subdivision,
        closed=frozenset(closed),
        opened=opened,
    )


def _load(jurisdiction_id: int) -> Calendar:
    row = Jurisdiction.objects.filter(pk=jurisdiction_id).values_list("timezone", flat=True).first()
    calendar = (
        BusinessCalendar.objects.prefetch_related("exceptions")
        .filter(jurisdiction_id=jurisdiction_id)
        .first()
    )
    return build(calendar, row or "UTC")


_calendars = Snapshot(
    "catalog.calendars", _load, models=(BusinessCalendar, CalendarException, Jurisdiction)
)


def calendar_of(jurisdiction_id: int) -> Calendar:
    """The jurisdiction's calendar as this process holds it (calendar time without one)."""
    return _calendars.get(jurisdiction_id)


def due(jurisdiction_id: int, value: int | None, unit: str, start: datetime) -> datetime | None:
    """When something started at `start` with an SLA target of `value` `unit` is due, as an
    aware UTC datetime; None without a target. The one rule of every door."""
    if not value:
        return None
    if unit == SlaUnit.CALENDAR_HOURS:
        return _utc(start) + timedelta(hours=value)
    calendar = calendar_of(jurisdiction_id)
    if unit == SlaUnit.BUSINESS_HOURS:
        return calendar.add_business_hours(start, value)
    if unit == SlaUnit.BUSINESS_DAYS:
        return calendar.add_business_days(start, value)
    return calendar.add_calendar_days(start, value)
