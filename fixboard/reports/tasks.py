"""Background work of the reports app: automation rules (automation.py)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django_tasks import task

from fixboard.catalog.models import AutomationRule
from fixboard.core.worker import queued_args

from . import automation
from .models import AutomationCheck, Event

logger = logging.getLogger(__name__)


@task()
def run_automation(request_id: int, trigger: str) -> list[str]:
    """Try the automation rules of `trigger` on the request; the names of those that fired."""
    return automation.apply_rules(request_id=request_id, trigger=trigger)


_checked = {"until": None}


def reconcile_automation() -> int:
    """Start the rules whose task was lost; returns how many (worker reconcile).

    An overdue check still pending a lease after it was written, and a live submission
    (looked at once, a lease old, since the previous pass: a day back on a worker's first) in
    a jurisdiction with submission rules and no check yet.
    """
    now = timezone.now()
    until = now - timedelta(seconds=settings.TASK_LEASE_SECONDS)
    queued = queued_args(run_automation)
    count = 0
    pending = AutomationCheck.objects.filter(done_at__isnull=True, created_at__lt=until)
    for request_id, trigger in pending.values_list("request_id", "trigger").iterator():
        if request_id not in queued:
            run_automation.enqueue(request_id, trigger)
            queued.add(request_id)
            count += 1
    since = _checked["until"] or until - timedelta(days=1)
    with_rules = AutomationRule.objects.filter(
        active=True, trigger=AutomationRule.Trigger.SUBMITTED
    ).values("jurisdiction_id")
    submissions = (
        Event.objects.filter(created_at__gte=since, created_at__lt=until)
        .filter(
            Q(kind=Event.Kind.SUBMITTED, request__awaiting_confirmation=False)
            | Q(kind=Event.Kind.CONFIRMED)
        )
        .filter(request__jurisdiction_id__in=with_rules)
        .exclude(
            Exists(
                AutomationCheck.objects.filter(
                    request=OuterRef("request"), trigger=AutomationRule.Trigger.SUBMITTED
                )
            )
        )
        .values_list("request_id", flat=True)
    )
    for request_id in submissions.iterator():
        if request_id not in queued:
            run_automation.enqueue(request_id, AutomationRule.Trigger.SUBMITTED)
            queued.add(request_id)
            count += 1
    _checked["until"] = until
    if count:
        logger.warning("Started the automation rules of %s requests whose task was lost", count)
    return count
