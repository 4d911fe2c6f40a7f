"""Background work of the notify app. Tasks take ids; each e-mail is its own task."""

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django_tasks import task

from fixboard.catalog.languages import asked_language
from fixboard.core import outbox
from fixboard.core.worker import queued_args
from fixboard.reports.models import Event

from . import actions, departments, emails, selectors
from .models import Delivery, DepartmentDigestRun, DepartmentNotice, DigestRun

logger = logging.getLogger(__name__)


@task()
def notify_event(event_id: int) -> int:
    """E-mail the reporter and followers about a public status change or update."""
    ids = actions.queue_event_notifications(event_id=event_id)
    for delivery_id in ids:
        deliver.enqueue(delivery_id)
    return len(ids)


@task()
def confirm_submission(event_id: int) -> None:
    """Send the confirmation link of a request submitted awaiting confirmation."""
    delivery_id = actions.queue_confirmation(event_id=event_id)
    if delivery_id:
        deliver.enqueue(delivery_id)


@task()
def send_follow_link(event_id: int) -> None:
    """Send the link that confirms following a request by e-mail."""
    delivery_id = actions.queue_follow_confirmation(event_id=event_id)
    if delivery_id:
        deliver.enqueue(delivery_id)


@task()
def send_comment_link(event_id: int) -> None:
    """Send the link that publishes a comment made without signing in."""
    delivery_id = actions.queue_comment_confirmation(event_id=event_id)
    if delivery_id:
        deliver.enqueue(delivery_id)


@task()
def notify_sla_breach(event_id: int) -> int:
    """E-mail the department's managers that a request went past its SLA due time."""
    ids = actions.queue_sla_breach(event_id=event_id)
    for delivery_id in ids:
        deliver.enqueue(delivery_id)
    return len(ids)


@task()
def deliver(delivery_id: int) -> str:
    """Send one e-mail once; on failure count the attempt and schedule a retry with backoff.

    Claim (a lease), send, mark sent, and only then say goodbye to the SMTP server: a worker
    killed after the server accepted the message and before the mark commits is the one way
    it goes twice (again after the lease, with the same Message-ID, which mail clients merge).
    """
    if not outbox.claim(Delivery, delivery_id):
        return "skipped"  # sent, cancelled, given up, or another worker holds its lease
    delivery = (
        Delivery.objects.select_related(
            "event__request__service_type",
            "request__service_type",
            "watch__area",
            "sign_in",
            "department__jurisdiction",
            "fixed_check",
        )
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:  # deleted with its request since the claim
        return "skipped"
    if delivery.event is not None and delivery.event.hidden:
        outbox.record_cancelled(delivery)
        return "cancelled"
    connection = mail.get_connection()
    try:
        try:
            with translation.override(_language_of(delivery)):
                message = emails.build(delivery)
            connection.open()  # held open, so the goodbye comes after the mark
            connection.send_messages([message])
        except Exception as exc:  # SMTP, network or a vanished subscription: all retried the same
            _record_failure(delivery, exc)
            return "failed"
        outbox.record_sent(delivery)
    finally:
        connection.close()
    return "sent"


def _language_of(delivery: Delivery) -> str:
    """The page's language that asked for the e-mail, else the recipient's, else the site's."""
    language = delivery.language or selectors.recipient_language(delivery.email)
    # A language the installation no longer speaks: the site's.
    return asked_language(language) or settings.LANGUAGE_CODE


def _record_failure(delivery: Delivery, exc: Exception) -> None:
    retry_at = outbox.record_failure(delivery, error=repr(exc))
    logger.warning(
        "E-mail delivery %s (%s) failed, attempt %s: %r; retry at %s",
        delivery.pk,
        delivery.kind,
        delivery.attempts,
        exc,
        retry_at,
    )
    outbox.schedule_retry(deliver, delivery.pk, retry_at)


@task()
def send_digests() -> int:
    """Queue and send today's digest for every confirmed watch area; returns how many."""
    until = timezone.now()
    sent = 0
    for watch_id in selectors.due_watches().values_list("id", flat=True).iterator():
        delivery_id = actions.queue_digest(watch_id=watch_id, until=until)
        if delivery_id:
            deliver.enqueue(delivery_id)
            sent += 1
    return sent


def next_digest_time(now: datetime) -> datetime:
    """The next DIGEST_HOUR (in TIME_ZONE) after `now`."""
    local = timezone.localtime(now)
    at = timezone.make_aware(datetime.combine(local.date(), time(settings.DIGEST_HOUR)))
    return (
        at
        if at > now
        else timezone.make_aware(
            datetime.combine(local.date() + timedelta(days=1), time(settings.DIGEST_HOUR))
        )
    )


@task()
def scheduled_digests() -> int:
    """Send today's digests once, then schedule tomorrow's run on the worker.

    Several chains may be started (each `fixboard send-digests --schedule`); the DigestRun row
    of the day lets exactly one of them run and continue.
    """
    today = timezone.localdate()
    try:
        with transaction.atomic():
            DigestRun.objects.create(day=today)
    except IntegrityError:
        return 0
    sent = send_digests.call()
    retry_due_deliveries()
    scheduled_digests.using(run_after=next_digest_time(timezone.now())).enqueue()
    return sent


def reconcile_deliveries() -> int:
    """Queue again the pending e-mails no task will send (worker reconcile)."""
    return outbox.reconcile(Delivery, deliver)


def follow_up(event: Event):
    """The task and argument that e-mail about a just recorded event, if any: a confirmed
    comment is told to the request's people as it would have been when written."""
    if event.kind == Event.Kind.COMMENT_CONFIRMED:
        return notify_event, event.data["comment"]
    pending = event.awaiting_confirmation
    task = task_for(
        event.kind, event.public, event.request.awaiting_confirmation, pending_comment=pending
    )
    return (task, event.pk) if task else None


def task_for(kind: str, public: bool, awaiting_confirmation: bool, pending_comment=False):
    """The task that e-mails about an event of this kind, if any does."""
    if kind == Event.Kind.PUBLIC_UPDATE and pending_comment:
        return send_comment_link
    if kind in selectors.NOTIFIED_KINDS and public:
        return notify_event
    if kind == Event.Kind.SUBMITTED and awaiting_confirmation:
        return confirm_submission
    if kind == Event.Kind.FOLLOW_REQUESTED:
        return send_follow_link
    if kind == Event.Kind.SLA_BREACHED and settings.SLA_BREACH_EMAILS:
        return notify_sla_breach
    return None


_events_checked = {"until": None}


def reconcile_event_notifications() -> int:
    """Queue the e-mails of events whose after-commit enqueue never happened (the process
    died after the commit, the receiver failed); returns how many events (worker reconcile).

    Looks once at each event older than a lease (long committed by then) since the previous
    pass, a day back on a worker's first; an event that already has a delivery is done.
    """
    until = timezone.now() - timedelta(seconds=settings.TASK_LEASE_SECONDS)
    since = _events_checked["until"] or until - timedelta(days=1)
    events = (
        Event.objects.filter(created_at__gte=since, created_at__lt=until)
        .filter(
            Q(kind__in=selectors.NOTIFIED_KINDS, public=True)
            | Q(kind=Event.Kind.SUBMITTED, request__awaiting_confirmation=True)
            | Q(kind=Event.Kind.FOLLOW_REQUESTED)
            | Q(kind=Event.Kind.SLA_BREACHED)
        )
        .exclude(Exists(Delivery.objects.filter(event=OuterRef("pk"))))
        .values_list(
            "id", "kind", "public", "request__awaiting_confirmation", "awaiting_confirmation"
        )
    )
    count = 0
    for event_id, kind, public, awaiting, pending_comment in events.iterator():
        task = task_for(kind, public, awaiting, pending_comment=pending_comment)
        if task:
            task.enqueue(event_id)
            count += 1
    _events_checked["until"] = until
    return count


def retry_due_deliveries() -> int:
    """Enqueue pending e-mails whose retry time has come (for backends that cannot defer)."""
    return outbox.retry_due(Delivery, deliver)


# Departments told of new requests (departments.py) and managers of escalations.


@task()
def tell_department(event_id: int) -> int:
    """E-mail the department a request was routed to, or keep it for its digest."""
    ids = departments.queue_notice(event_id=event_id)
    for delivery_id in ids:
        deliver.enqueue(delivery_id)
    return len(ids)


@task()
def tell_managers(event_id: int) -> int:
    """E-mail the managers of the department of a request an automation rule escalated."""
    ids = departments.queue_escalation(event_id=event_id)
    for delivery_id in ids:
        deliver.enqueue(delivery_id)
    return len(ids)


def department_task_for(event: Event):
    """The task that tells a department or its managers about this event, if any does.

    Reads the event and its request as the domain function wrote them and the process's
    copy of the configuration: no query on the path of a submission.
    """
    request = event.request
    if event.kind == Event.Kind.RULE_APPLIED:
        return tell_managers if event.data.get("escalated") else None
    if departments.tells_department(
        event.kind, event.data, request.awaiting_confirmation
    ) and departments.notices_enabled(request.department_id):
        return tell_department
    return None


@task()
def send_department_digests() -> int:
    """Queue and send the digests due now of every department that chose one."""
    now = timezone.now()
    sent = 0
    for department_id in list(departments.waiting_departments()):
        for delivery_id in departments.queue_digest(department_id=department_id, now=now):
            deliver.enqueue(delivery_id)
            sent += 1
    return sent


def next_hour(now: datetime) -> datetime:
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


@task()
def scheduled_department_digests() -> int:
    """Send the department digests due this hour once, then schedule the next hour's run.

    Several chains may be started (each `fixboard send-digests --schedule`); the
    DepartmentDigestRun row of the hour lets exactly one of them run and continue.
    """
    now = timezone.now()
    try:
        with transaction.atomic():
            DepartmentDigestRun.objects.create(hour=now.replace(minute=0, second=0, microsecond=0))
    except IntegrityError:
        return 0
    sent = send_department_digests.call()
    scheduled_department_digests.using(run_after=next_hour(now)).enqueue()
    return sent


_department_events_checked = {"until": None}


def reconcile_department_notices() -> int:
    """Tell the departments of the requests whose after-commit enqueue never happened;
    returns how many events (worker reconcile).

    Looks once at each event older than a lease since the previous pass (a day back on a
    worker's first): one that routed its request to a department that wants notices, and
    that department has no notice of it yet, is queued again. Escalations likewise.
    """
    until = timezone.now() - timedelta(seconds=settings.TASK_LEASE_SECONDS)
    since = _department_events_checked["until"] or until - timedelta(days=1)
    window = Event.objects.filter(created_at__gte=since, created_at__lt=until)
    routed = (
        window.filter(
            Q(kind=Event.Kind.SUBMITTED, request__awaiting_confirmation=False)
            | Q(kind=Event.Kind.CONFIRMED)
            | Q(kind=Event.Kind.ASSIGNED, data__has_key="department")
            | Q(kind__in=departments.REROUTING, data__rerouted=True)
        )
        .filter(request__department__active=True)
        .exclude(request__department__notice="none")
        .exclude(
            Exists(
                DepartmentNotice.objects.filter(
                    request=OuterRef("request"), department=OuterRef("request__department")
                )
            )
        )
        .values_list("id", flat=True)
    )
    escalated = (
        window.filter(kind=Event.Kind.RULE_APPLIED, data__escalated=True)
        .exclude(Exists(Delivery.objects.filter(event=OuterRef("pk"))))
        .values_list("id", flat=True)
    )
    count = 0
    for follow_up, ids in ((tell_department, routed), (tell_managers, escalated)):
        queued = queued_args(follow_up)
        for event_id in ids.iterator():
            if event_id not in queued:
                follow_up.enqueue(event_id)
                count += 1
    _department_events_checked["until"] = until
    return count
