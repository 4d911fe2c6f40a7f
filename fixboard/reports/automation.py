"""Automation rules (catalog.AutomationRule) acting on requests by themselves.

When a request is submitted (once it is live: on its confirmation when it awaited one) or
becomes overdue (`sla_breached`), a task tries the active rules of its jurisdiction for that
trigger in their order. Each rule whose conditions all hold acts through the domain
functions (`assign`, `transition`, `add_update`) as the system actor "rule: <name>", and
writes a `rule_applied` timeline event (internal) in the same transaction as its actions.
A rule fires at most once per request and trigger (RuleFiring's constraint), however often
the task runs; "stop after this rule" ends the turn once that rule has fired.

Nothing here runs on the path of a submission: its receiver reads the process's copy of
the rules (core.snapshots) and enqueues a task only when the jurisdiction has some.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from fixboard.accounts.models import User
from fixboard.catalog.canned import render
from fixboard.catalog.models import AutomationRule, CannedResponse, Department
from fixboard.core.snapshots import Snapshot

from . import actions, changes, events
from .models import AutomationCheck, Event, RequestArea, RuleFiring, ServiceRequest, Status
from .signals import event_recorded, sla_breached

logger = logging.getLogger(__name__)

SUBMITTED = AutomationRule.Trigger.SUBMITTED
OVERDUE = AutomationRule.Trigger.OVERDUE
ACTOR_MAX = Event._meta.get_field("actor_system").max_length


def _load_rules(key: tuple[int, str]) -> tuple[AutomationRule, ...]:
    jurisdiction_id, trigger = key
    return tuple(
        AutomationRule.objects.filter(jurisdiction_id=jurisdiction_id, trigger=trigger, active=True)
        .select_related("jurisdiction")
        .order_by("order", "id")
    )


_rules = Snapshot("reports.automation_rules", _load_rules, models=(AutomationRule,))


def rules_for(jurisdiction_id: int, trigger: str) -> tuple[AutomationRule, ...]:
    """The active rules of a jurisdiction for a trigger, in order (the process's copy)."""
    return _rules.get((jurisdiction_id, trigger))


def actor_name(rule: AutomationRule) -> str:
    return f"rule: {rule.name}"[:ACTOR_MAX]


def matches(rule: AutomationRule, request: ServiceRequest, area_ids: set[int]) -> bool:
    """Whether every condition the rule sets holds for the request."""
    return (
        (rule.service_type_id is None or rule.service_type_id == request.service_type_id)
        and (rule.area_id is None or rule.area_id in area_ids)
        and (not rule.channel or rule.channel == request.channel)
    )


def department_manager(department: Department | None) -> User | None:
    """The department's manager a rule escalates to: its first active manager."""
    if department is None:
        return None
    return (
        User.objects.filter(departments=department, role=User.Role.MANAGER, is_active=True)
        .order_by("id")
        .first()
    )


def _fresh(request_id: int) -> ServiceRequest:
    return ServiceRequest.objects.select_related("service_type", "department", "jurisdiction").get(
        pk=request_id
    )


def fire(rule: AutomationRule, request: ServiceRequest, trigger: str) -> Event | None:
    """Apply one rule's actions and record it on the timeline, all or nothing.

    Returns its `rule_applied` event, or None when it had already fired on this request for
    this trigger. Raises ValidationError or PermissionDenied when an action is refused.
    """
    actor = actor_name(rule)
    with transaction.atomic():
        # Locked first: a second task for the same request waits here, then sees the firing.
        ServiceRequest.objects.select_for_update().filter(pk=request.pk).first()
        if RuleFiring.objects.filter(rule_key=rule.pk, request=request, trigger=trigger).exists():
            return None
        current = _fresh(request.pk)
        done: list[str] = []
        # Read now, not from the cached rule: a person may have left the city since.
        department = Department.objects.filter(pk=rule.assign_department_id).first()
        person = User.objects.filter(pk=rule.assign_person_id).first()
        if rule.escalate and person is None:
            person = department_manager(department or current.department)
        if department is not None and department.pk == current.department_id:
            department = None
        if person is not None and person.pk == current.assignee_id:
            person = None
        new_department, new_person = department, person
        if new_department or new_person:
            actions.assign(
                request=current, actor=actor, department=new_department, assignee=new_person
            )
            if new_department:
                done.append(_("assigned to %(d)s") % {"d": new_department.name})
            if new_person:
                done.append(_("assigned to %(u)s") % {"u": new_person.get_username()})
            current = _fresh(request.pk)
        canned = CannedResponse.objects.filter(pk=rule.canned_response_id).first()
        message = render(canned.text, changes.context_for(current)).strip() if canned else ""
        public = canned is not None and canned.public
        if rule.acknowledge and current.status == Status.NEW:
            actions.transition(
                request=current,
                to_status=Status.ACKNOWLEDGED,
                actor=actor,
                note=message if public else "",
            )
            done.append(_("acknowledged"))
            if public:
                message = ""  # said with the acknowledgement
        if message:
            actions.add_update(request=current, text=message, actor=actor, public=public)
            done.append(
                _("posted “%(c)s”") % {"c": canned.title}
                if public
                else _("added the note “%(c)s”") % {"c": canned.title}
            )
        raised = min(current.priority + rule.priority_raise, changes.PRIORITY_MAX)
        if rule.escalate and raised > current.priority:
            changes.set_priority(request=current, priority=raised, actor=actor, reason=rule.name)
            done.append(_("priority %(a)d → %(b)d") % {"a": current.priority, "b": raised})
        if rule.escalate:
            done.append(_("escalated to the department's managers"))
        event = events.rule_applied(
            current,
            actor=actor,
            at=timezone.now(),
            rule=rule,
            trigger=trigger,
            actions=done,
            escalated=rule.escalate,
        )
        RuleFiring.objects.create(
            rule=rule,
            rule_name=rule.name,
            rule_key=rule.pk,
            request=current,
            trigger=trigger,
            event=event,
        )
    return event


def apply_rules(*, request_id: int, trigger: str) -> list[str]:
    """Try the rules of the request's jurisdiction for `trigger`, in order; returns the
    names of those that fired now. Safe to run again: each rule fires once."""
    request = ServiceRequest.objects.select_related("jurisdiction").filter(pk=request_id).first()
    if request is None:
        return []
    if trigger == SUBMITTED and request.awaiting_confirmation:
        return []  # tried once it is confirmed
    check, _created = AutomationCheck.objects.get_or_create(request=request, trigger=trigger)
    if check.done_at is not None:
        return []
    fired = []
    if trigger != OVERDUE or request.is_open:
        area_ids = set(
            RequestArea.objects.filter(request=request).values_list("area_id", flat=True)
        )
        for rule in rules_for(request.jurisdiction_id, trigger):
            if not matches(rule, request, area_ids):
                continue
            try:
                event = fire(rule, request, trigger)
            except IntegrityError:
                event = None  # another worker recorded the same firing first
            except (ValidationError, PermissionDenied) as exc:
                logger.warning(
                    "Automation rule %s (%s) could not act on %s: %s",
                    rule.pk,
                    rule.name,
                    request.public_id,
                    getattr(exc, "messages", exc),
                )
                continue
            if event is not None:
                fired.append(rule.name)
            if rule.stop:
                break
    AutomationCheck.objects.filter(pk=check.pk).update(done_at=timezone.now())
    return fired


# Triggers


def _enqueue(request_id: int, trigger: str) -> None:
    from .tasks import run_automation

    run_automation.enqueue(request_id, trigger)


@receiver(event_recorded, dispatch_uid="reports.automation.on_event")
def on_event_recorded(sender, event: Event, **kwargs) -> None:
    """A live submission (or the confirmation that makes one live) starts its rules."""
    if event.kind == Event.Kind.SUBMITTED:
        if event.request.awaiting_confirmation:
            return
    elif event.kind != Event.Kind.CONFIRMED:
        return
    try:
        if rules_for(event.request.jurisdiction_id, SUBMITTED):
            _enqueue(event.request_id, SUBMITTED)
    except Exception:
        # Committed already: the worker's reconcile (tasks.reconcile_automation) retries.
        logger.exception("Could not start the automation rules of request %s", event.request_id)


@receiver(sla_breached, dispatch_uid="reports.automation.on_breach")
def on_sla_breached(sender, request: ServiceRequest, event: Event = None, **kwargs) -> None:
    """An overdue request: its check is written with the breach, its rules run after."""
    if not rules_for(request.jurisdiction_id, OVERDUE):
        return
    try:
        with transaction.atomic():
            AutomationCheck.objects.create(request=request, trigger=OVERDUE)
    except IntegrityError:
        return  # overdue before: the rules acted then
    transaction.on_commit(lambda: _enqueue(request.pk, OVERDUE), robust=True)
