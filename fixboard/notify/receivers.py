"""Listen to the timeline and enqueue e-mails; never send anything inside the request."""

import logging

from django.dispatch import receiver

from fixboard.reports.models import Event
from fixboard.reports.signals import event_recorded

from . import tasks

logger = logging.getLogger(__name__)


@receiver(event_recorded, dispatch_uid="notify.on_event_recorded")
def on_event_recorded(sender, event: Event, **kwargs) -> None:
    # The event and its request as the domain function wrote them: no query needed.
    try:
        found = tasks.follow_up(event)
        if found:
            task, argument = found
            task.enqueue(argument)
    except Exception:
        # The change is committed; a queue outage must not turn it into an error page. The
        # worker's reconcile (tasks.reconcile_event_notifications) queues it later.
        logger.exception("Could not enqueue notifications for event %s", event.pk)


@receiver(event_recorded, dispatch_uid="notify.tell_departments")
def tell_departments(sender, event: Event, **kwargs) -> None:
    try:
        task = tasks.department_task_for(event)
        if task:
            task.enqueue(event.pk)
    except Exception:
        # As above: tasks.reconcile_department_notices queues it later.
        logger.exception("Could not enqueue the department notice of event %s", event.pk)
