"""Bring the demo city up to today: its dates moved by whole weeks, some work in hand.

The demo's requests are from the last days of 2017 and the first days of 2020. Moved as a
block by whole weeks of the city's local time, its newest request is from the last seven
days, each request keeps its weekday and its hour on the city's clock (across daylight-
saving changes too), and the map's default window, the queue, SLA states and "new since"
look like a city on a working day.

What the city's files record after that moment (thousands of requests were closed in the
weeks and months that followed) has not happened yet in the moved demo: those imported
timeline events are removed and their requests are as they stood then, open. The demo is
then the city as it stood at one moment, shown as now. What happened in this installation
(the staff queue below, what people did in the demo) is moved too but never past now: the
move waits, a few days at most, until it fits.

`bring_to_life` runs in one transaction with bulk UPDATEs (one per table), so it takes
seconds for the demo's tens of thousands of rows, on SQLite as on PostgreSQL. It changes
nothing when the newest request is already recent.
"""

import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    DateTimeField,
    F,
    Max,
    Min,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from fixboard.accounts.actions import save_user
from fixboard.accounts.models import User
from fixboard.audit.models import AuditEntry
from fixboard.insights.counting import rebuild_figures
from fixboard.maps.aggregates import rebuild_map_aggregates
from fixboard.open311.models import Submission
from fixboard.places.models import Jurisdiction
from fixboard.reports.actions import add_update, assign, transition
from fixboard.reports.importing.batch import ACTOR as IMPORTED
from fixboard.reports.models import (
    OPEN_STATUSES,
    Event,
    Follow,
    Photo,
    ServiceRequest,
    Status,
    Support,
)

from .loader import DEMO, SLUG

WEEK = timedelta(weeks=1)

# Every date that says when something happened to one of the demo's requests, by model:
# (model, the path from it to the request's jurisdiction, its date fields). Dates of the
# installation's own working (outbox, idempotency claims, sessions, audit log) stay true.
SHIFTED = (
    (
        ServiceRequest,
        "jurisdiction",
        ("requested_at", "updated_at", "acknowledged_at", "expected_at", "closed_at"),
    ),
    (Event, "request__jurisdiction", ("created_at",)),
    (Photo, "request__jurisdiction", ("created_at",)),
    (Support, "request__jurisdiction", ("created_at",)),
    (Follow, "request__jurisdiction", ("created_at",)),
    (Submission, "jurisdiction", ("created_at",)),
)

# The demo's working queue: the Sanitation account's share of the department's open requests.
STAFF_DEPARTMENT = "bos"
DEPARTMENTS = {"staff": (STAFF_DEPARTMENT,), "manager": (STAFF_DEPARTMENT,), "agent": ()}
QUEUE_SIZE = 6
# (status to move to, public message, internal note) for each assigned request, newest first.
QUEUE_PLAN = (
    (Status.IN_PROGRESS, "A crew is on its way.", "Truck 14 has it on today's route."),
    (Status.ACKNOWLEDGED, "Thank you: scheduled for pickup.", ""),
    (Status.IN_PROGRESS, "", "Resident says the items are behind the gate; call first."),
    (Status.ACKNOWLEDGED, "", ""),
    ("", "", ""),
    ("", "", ""),
)


@dataclass
class ShiftResult:
    weeks: int = 0
    newest_before: datetime | None = None
    newest_after: datetime | None = None
    rows: dict[str, int] = field(default_factory=dict)  # model name → rows moved
    not_yet: int = 0  # timeline events after now, removed
    reopened: int = 0  # requests closed only after now: open again
    map_counted: int = 0


@dataclass
class WorkResult:
    assigned: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    notes: int = 0
    accounts_changed: list[str] = field(default_factory=list)


@dataclass
class LivingResult:
    jurisdiction: Jurisdiction
    shift: ShiftResult
    work: WorkResult


Step = tuple[str, Callable[[], None]]


def demo_jurisdiction() -> Jurisdiction | None:
    """The demo city, if `fixboard demo` loaded it: its slug and catalog set up by the demo
    (on the audit log). Never a real city of the same name."""
    jurisdiction = Jurisdiction.objects.filter(slug=SLUG).first()
    if jurisdiction and AuditEntry.objects.filter(actor=DEMO, jurisdiction=jurisdiction).exists():
        return jurisdiction
    return None


def _tz(jurisdiction: Jurisdiction) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(jurisdiction.timezone)


def moved(moment: datetime, weeks: int, tz: zoneinfo.ZoneInfo) -> datetime:
    """`moment` `weeks` weeks later on the city's clock: same weekday, same local time.

    A local time that the move lands in a daylight-saving gap or fold is read as Python
    reads it (fold=0): a few rows at 2 a.m. on a change's night may end an hour apart."""
    local = moment.astimezone(tz).replace(tzinfo=None) + weeks * WEEK
    return local.replace(tzinfo=tz).astimezone(UTC)


def weeks_to_shift(newest: datetime, now: datetime, tz: zoneinfo.ZoneInfo) -> int:
    """How many whole weeks bring `newest` into the seven days before `now` (never back)."""
    gap = now.astimezone(tz).replace(tzinfo=None) - newest.astimezone(tz).replace(tzinfo=None)
    weeks = gap // WEEK
    while weeks > 0 and moved(newest, weeks, tz) > now:  # an hour's difference at a change
        weeks -= 1
    return max(weeks, 0)


def segments(
    start: datetime, end: datetime, weeks: int, tz: zoneinfo.ZoneInfo
) -> list[tuple[datetime, timedelta]]:
    """The move as UTC offsets: [(from, delta)], each delta holding from its instant to the
    next one's; the first covers `start`. Whole weeks on the local clock are whole weeks in
    UTC, give or take the hour of a daylight-saving change at either end, so there are a
    few pieces per year of dates at most, each one CASE branch of an UPDATE."""

    def delta(moment):
        return moved(moment, weeks, tz) - moment

    start = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    pieces = [(start, delta(start))]
    step = timedelta(hours=1)
    before = start
    while before < end:
        after = before + step
        if delta(after) != pieces[-1][1]:
            low, high = before, after  # delta(low) is the old one, delta(high) the new
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if delta(middle) == pieces[-1][1]:
                    low = middle
                else:
                    high = middle
            pieces.append((high.replace(microsecond=0), delta(after)))
        before = after
    return pieces


def _moved_column(name: str, pieces: list[tuple[datetime, timedelta]]):
    branches = [
        When(**{f"{name}__lt": following}, then=F(name) + delta)
        for (_start, delta), (following, _next) in zip(pieces, pieces[1:], strict=False)
    ]
    last = F(name) + pieces[-1][1]
    if not branches:
        return last
    return Case(*branches, default=last, output_field=DateTimeField())


def _of(model, path: str, jurisdiction: Jurisdiction):
    return model.objects.filter(**{path: jurisdiction})


def _date_range(jurisdiction: Jurisdiction) -> tuple[datetime, datetime] | None:
    lows, highs = [], []
    for model, path, names in SHIFTED:
        aggregates = {}
        for name in names:
            aggregates[f"low_{name}"] = Min(name)
            aggregates[f"high_{name}"] = Max(name)
        found = _of(model, path, jurisdiction).aggregate(**aggregates)
        lows += [v for k, v in found.items() if k.startswith("low_") and v]
        highs += [v for k, v in found.items() if k.startswith("high_") and v]
    return (min(lows), max(highs)) if lows else None


def shift_dates(
    jurisdiction: Jurisdiction,
    *,
    now: datetime | None = None,
    track: Callable[[Sequence[Step]], Iterable[Step]] = iter,
) -> ShiftResult:
    """Move every date of the jurisdiction's requests by whole local weeks so that the
    newest request is from the last seven days; undo what that puts after now."""
    now = now or timezone.now()
    tz = _tz(jurisdiction)
    result = ShiftResult()
    with transaction.atomic():
        requests = ServiceRequest.objects.filter(jurisdiction=jurisdiction)
        newest = requests.aggregate(newest=Max("requested_at"))["newest"]
        result.newest_before = result.newest_after = newest
        if newest is None:
            return result
        result.weeks = weeks_to_shift(newest, now, tz)
        # What happened in this installation (the demo's queue, what people did in the demo)
        # is never moved past now: only the city's own record of later months is cut off.
        done_here = (
            Event.objects.filter(request__jurisdiction=jurisdiction)
            .exclude(actor_system=IMPORTED)
            .aggregate(latest=Max("created_at"))["latest"]
        )
        if done_here is not None:
            result.weeks = min(result.weeks, weeks_to_shift(done_here, now, tz))
        if not result.weeks:
            return result
        start, end = _date_range(jurisdiction)
        pieces = segments(start, end, result.weeks, tz)

        def move(model, path, names):
            rows = _of(model, path, jurisdiction).update(
                **{name: _moved_column(name, pieces) for name in names}
            )
            result.rows[model._meta.verbose_name_plural] = rows

        def recount():
            result.map_counted = rebuild_map_aggregates(jurisdiction)

        steps = [
            (str(model._meta.verbose_name_plural), lambda m=model, p=path, n=names: move(m, p, n))
            for model, path, names in SHIFTED
        ]
        steps += [
            (_("not happened yet"), lambda: _undo_after(jurisdiction, now, result)),
            (_("map counts"), recount),
            (_("public figures"), lambda: rebuild_figures(jurisdiction)),
        ]
        for _label, run in track(steps):
            run()
        result.newest_after = moved(newest, result.weeks, tz)
    return result


def _latest_event(now, **conditions):
    """The request's (OuterRef) latest timeline event up to `now` that meets `conditions`."""
    return Event.objects.filter(request=OuterRef("pk"), created_at__lte=now, **conditions).order_by(
        "-created_at", "-id"
    )


def _undo_after(jurisdiction: Jurisdiction, now: datetime, result: ShiftResult) -> None:
    """What the moved dates put after now has not happened yet: remove those timeline
    events and bring each request back to the state its remaining timeline gives it."""
    requests = ServiceRequest.objects.filter(jurisdiction=jurisdiction)
    later = Event.objects.filter(request__jurisdiction=jurisdiction, created_at__gt=now)
    changed_status = requests.filter(
        pk__in=later.exclude(to_status="").values("request_id")
    ) | requests.filter(closed_at__gt=now)
    changed_ids = list(changed_status.values_list("pk", flat=True))
    # A photo of a removed event must not become a photo of its request, shown publicly.
    Photo.objects.filter(event__in=later).update(hidden=True)
    result.not_yet = later.count()
    later.delete()
    back = requests.filter(pk__in=changed_ids)
    status_events = _latest_event(now).exclude(to_status="")
    result.reopened = back.filter(status=Status.CLOSED).count()
    back.update(
        status=Coalesce(Subquery(status_events.values("to_status")[:1]), Value(Status.NEW)),
        close_reason=Coalesce(Subquery(status_events.values("close_reason")[:1]), Value("")),
        closed_at=None,
        status_notes=Coalesce(
            Subquery(
                _latest_event(now, kind=Event.Kind.STATUS_CHANGED, public=True)
                .exclude(text="")
                .values("text")[:1]
            ),
            Value(""),
        ),
    )
    still_closed = back.filter(status=Status.CLOSED)
    result.reopened -= still_closed.count()
    still_closed.update(
        closed_at=Subquery(_latest_event(now, to_status=Status.CLOSED).values("created_at")[:1])
    )
    requests.filter(acknowledged_at__gt=now).update(acknowledged_at=None)
    requests.filter(updated_at__gt=now).update(
        updated_at=Coalesce(
            Subquery(_latest_event(now).values("created_at")[:1]), F("requested_at")
        )
    )
    for model in (Photo, Support, Follow):
        model.objects.filter(request__jurisdiction=jurisdiction, created_at__gt=now).update(
            created_at=now
        )


def staff_the_demo(jurisdiction: Jurisdiction) -> WorkResult:
    """Give the demo's accounts their departments and the `staff` account a working queue:
    a handful of the newest open Sanitation requests assigned to it, some acknowledged or in
    progress, with a note or two, all through the domain functions as the demo system.

    Does nothing to a queue that already has open work in it."""
    result = WorkResult()
    with transaction.atomic():
        users = {
            u.username: u
            for u in User.objects.filter(username__in=DEPARTMENTS, jurisdictions=jurisdiction)
        }
        for username, codes in DEPARTMENTS.items():
            user = users.get(username)
            if user is None:
                continue
            have = set(user.departments.values_list("code", flat=True))
            if not set(codes) <= have:
                departments = list(jurisdiction.departments.filter(code__in=set(codes) | have))
                save_user(actor=DEMO, user=user, data={"departments": departments})
                result.accounts_changed.append(username)
        staff = users.get("staff")
        department = jurisdiction.departments.filter(code=STAFF_DEPARTMENT).first()
        if staff is None or department is None:
            return result
        open_requests = ServiceRequest.objects.filter(
            jurisdiction=jurisdiction, department=department, status__in=OPEN_STATUSES
        )
        if open_requests.filter(assignee=staff).exists():
            return result
        chosen = list(
            open_requests.filter(
                assignee__isnull=True, duplicate_of__isnull=True, hidden=False
            ).order_by("-requested_at", "-pk")[:QUEUE_SIZE]
        )
        for request, (status, message, note) in zip(chosen, QUEUE_PLAN, strict=False):
            _work_on(request, staff, status, message, note, result)
    return result


def _work_on(request, staff, status, message, note, result: WorkResult) -> None:
    try:
        assign(request=request, actor=DEMO, assignee=staff)
        result.assigned += 1
        if status and status != request.status:
            transition(request=request, to_status=status, actor=DEMO, note=message)
            result.statuses[status] = result.statuses.get(status, 0) + 1
        if note:
            add_update(request=request, text=note, actor=DEMO, public=False)
            result.notes += 1
    except ValidationError:  # a request the rules refuse (e.g. already so): leave it be
        pass


def bring_to_life(
    jurisdiction: Jurisdiction,
    *,
    now: datetime | None = None,
    track: Callable[[Sequence[Step]], Iterable[Step]] = iter,
) -> LivingResult:
    """Move the demo's dates up to `now` (default: the present) and give its staff work."""
    with transaction.atomic():
        shift = shift_dates(jurisdiction, now=now, track=track)
        work = staff_the_demo(jurisdiction)
    return LivingResult(jurisdiction=jurisdiction, shift=shift, work=work)
