"""Departments told of the requests routed to them: an e-mail per request at once, or an
hourly or daily digest, or nothing, as each department chose (catalog.Department.notice).

Sent to the department's own e-mail and to its members who asked (DepartmentSubscription),
through the outbox (Delivery). Each request is told to each department once
(DepartmentNotice), however many tasks or workers try. The e-mails carry the request's facts
and a link to its work view; never the reporter's name, e-mail or phone: a department's
mailbox is often shared and forwarded, and staff see the reporter in the work view.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fixboard.catalog.models import Department
from fixboard.core.snapshots import Snapshot
from fixboard.reports.models import Event, ServiceRequest

from .models import Delivery, DepartmentNotice, DepartmentSubscription

DIGESTS = (Department.Notice.HOURLY, Department.Notice.DAILY)


def tells_department(kind: str, data: dict, awaiting_confirmation: bool) -> bool:
    """Whether an event routes its request to a department that has not heard of it: a
    live submission, a confirmation that makes one live, an assignment to a department, a
    new service type or place that re-routed it."""
    if kind == Event.Kind.SUBMITTED:
        return not awaiting_confirmation
    if kind == Event.Kind.CONFIRMED:
        return True
    if kind in REROUTING:
        return bool((data or {}).get("rerouted"))
    return kind == Event.Kind.ASSIGNED and "department" in (data or {})


REROUTING = (Event.Kind.RECATEGORISED, Event.Kind.RELOCATED)


def recipients(department: Department) -> list[str]:
    """The department's e-mail and its members' who asked for its notices."""
    addresses = [department.email.lower()] if department.email else []
    members = DepartmentSubscription.objects.filter(
        department=department,
        user__is_active=True,
        user__departments=department,
    ).values_list("user__email", flat=True)
    for email in members:
        if email and email.lower() not in addresses:
            addresses.append(email.lower())
    return addresses


def queue_notice(*, event_id: int) -> list[int]:
    """Tell the request's department of the request this event routed to it; returns the ids
    of the e-mails to send now (none for a digest, none once told: idempotent)."""
    event = Event.objects.select_related("request__department").filter(pk=event_id).first()
    if event is None:
        return []
    request = event.request
    department = request.department
    if department is None or not tells_department(
        event.kind, event.data, request.awaiting_confirmation
    ):
        return []
    with transaction.atomic():
        try:
            with transaction.atomic():
                notice = DepartmentNotice.objects.create(
                    request=request, department=department, event=event, mode=department.notice
                )
        except IntegrityError:
            notice = DepartmentNotice.objects.filter(request=request, department=department).first()
            if notice is None or notice.event_id != event.pk:
                return []  # told already, through another event
        if notice.mode != Department.Notice.IMMEDIATE:
            return []
        Delivery.objects.bulk_create(
            [
                Delivery(
                    kind=Delivery.Kind.DEPARTMENT_NOTICE,
                    email=email,
                    event=event,
                    request=request,
                    department=department,
                )
                for email in recipients(department)
            ],
            ignore_conflicts=True,
        )
    return list(
        Delivery.objects.filter(
            event=event, kind=Delivery.Kind.DEPARTMENT_NOTICE, state=Delivery.State.PENDING
        ).values_list("id", flat=True)
    )


def digest_cutoff(department: Department, now: datetime) -> datetime:
    """The requests routed before this moment go in the department's digest made `now`:
    all of them for an hourly digest, those before the last digest hour for a daily one
    (in the jurisdiction's time zone), so a missed run is caught up by the next."""
    if department.notice != Department.Notice.DAILY:
        return now
    zone = ZoneInfo(department.jurisdiction.timezone)
    local = now.astimezone(zone)
    at = datetime.combine(local.date(), time(department.notice_hour), tzinfo=zone)
    if at > local:
        at = datetime.combine(
            local.date() - timedelta(days=1), time(department.notice_hour), tzinfo=zone
        )
    return at


def waiting_departments():
    """The ids of the departments with requests waiting for their digest."""
    return (
        DepartmentNotice.objects.filter(digested_at__isnull=True, mode__in=DIGESTS)
        .values_list("department_id", flat=True)
        .distinct()
        .order_by()
    )


def queue_digest(*, department_id: int, now: datetime | None = None) -> list[int]:
    """The digest e-mails of the requests waiting for this department's digest; returns
    their ids (none when nothing is due). A department that stopped its digests gets the
    waiting ones in one last digest, or nothing when it wants no e-mail."""
    now = now or timezone.now()
    with transaction.atomic():
        department = (
            Department.objects.select_related("jurisdiction").filter(pk=department_id).first()
        )
        if department is None:
            return []
        waiting = DepartmentNotice.objects.select_for_update().filter(
            department=department,
            digested_at__isnull=True,
            mode__in=DIGESTS,
            created_at__lt=digest_cutoff(department, now),
        )
        found = list(waiting.order_by("created_at", "id").values_list("id", "request_id"))
        if not found:
            return []
        taken = DepartmentNotice.objects.filter(
            pk__in=[pk for pk, _r in found], digested_at__isnull=True
        ).update(digested_at=now)
        if taken != len(found):
            # Another worker's digest took some meanwhile (SQLite has no row locks): its.
            transaction.set_rollback(True)
            return []
        if department.notice == Department.Notice.NONE:
            return []
        # Still the department's: a request routed elsewhere since is the other's news.
        still = set(
            ServiceRequest.objects.filter(
                pk__in=[r for _pk, r in found], department=department
            ).values_list("pk", flat=True)
        )
        request_ids = [r for _pk, r in found if r in still]
        if not request_ids:
            return []
        return [
            Delivery.objects.create(
                kind=Delivery.Kind.DEPARTMENT_DIGEST,
                email=email,
                department=department,
                request_ids=request_ids,
            ).pk
            for email in recipients(department)
        ]


@transaction.atomic
def subscribe(*, user, department: Department) -> bool:
    """A member asks for the department's notices at their own address; False if they had."""
    if not user.departments.filter(pk=department.pk).exists():
        raise ValidationError(
            {"department": [_("Only members of %(d)s get its notices.") % {"d": department}]}
        )
    if not user.email:
        raise ValidationError({"email": [_("Add an e-mail address to your account first.")]})
    _subscription, created = DepartmentSubscription.objects.get_or_create(
        user=user, department=department
    )
    return created


@transaction.atomic
def unsubscribe(*, user, department: Department) -> bool:
    """Stop a member's own copies of the department's notices; False if they had none."""
    mine = DepartmentSubscription.objects.filter(user=user, department=department)
    deleted, _kinds = mine.delete()
    return bool(deleted)


def notices_enabled(department_id: int | None) -> bool:
    """Whether the department wants to hear of new requests (read from the process's copy
    of the configuration: no query on the path of a submission)."""
    return bool(department_id) and _notice_modes.get(department_id) != Department.Notice.NONE


def _load_mode(department_id: int) -> str:
    mode = Department.objects.filter(pk=department_id, active=True).order_by("pk")
    mode = mode.values_list("notice", flat=True)
    return mode.first() or Department.Notice.NONE


_notice_modes = Snapshot("notify.department_notice", _load_mode, models=(Department,))


# Escalations: an automation rule (fixboard.reports.automation) e-mails the managers.


def managers(department: Department) -> list[str]:
    """The e-mail addresses of the department's active managers."""
    return sorted(
        {
            email.lower()
            for email in department.members.filter(is_active=True, role="manager").values_list(
                "email", flat=True
            )
            if email
        }
    )


def queue_escalation(*, event_id: int) -> list[int]:
    """The e-mails to the managers of the department of a request a rule escalated (its
    `rule_applied` event says so); returns the ids of those pending (idempotent)."""
    event = Event.objects.select_related("request__department").filter(pk=event_id).first()
    if (
        event is None
        or event.kind != Event.Kind.RULE_APPLIED
        or not event.data.get("escalated")
        or event.request.department is None
    ):
        return []
    request = event.request
    Delivery.objects.bulk_create(
        [
            Delivery(
                kind=Delivery.Kind.ESCALATION,
                email=email,
                event=event,
                request=request,
                department=request.department,
            )
            for email in managers(request.department)
        ],
        ignore_conflicts=True,
    )
    return list(
        Delivery.objects.filter(
            event=event, kind=Delivery.Kind.ESCALATION, state=Delivery.State.PENDING
        ).values_list("id", flat=True)
    )
