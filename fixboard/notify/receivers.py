"""Listen to the timeline and enqueue e-mails; never send anything inside the request."""

import logging

from django.dispatch import receiver

from fixboard.reports.models import Event
from fixboard.reports.signals import event_recorded

from . import tasks
from .selectors import NOTIFIED_KINDS

logger = logging.getLogger(__name__)


@receiver(event_recorded, dispatch_uid="notify.on_event_recorded")
def on_event_recorded(sender, event_id: int, request_id: int, **kwargs) -> None:
    row = (
        Event.objects.filter(pk=event_id)
        .values_list("kind", "public", "request__awaiting_confirmation")
        .first()
    )
    if row is None:
        return
    kind, public, awaiting = row
    try:
        if kind in NOTIFIED_KINDS and public:
            tasks.notify_event.enqueue(event_id)
        elif kind == Event.Kind.SUBMITTED and awaiting:
            tasks.confirm_submission.enqueue(event_id)
        elif kind == Event.Kind.FOLLOW_REQUESTED:
            tasks.send_follow_link.enqueue(event_id)
    except Exception:
        # The change is committed; a queue outage must not turn it into an error page.
        logger.exception("Could not enqueue notifications for event %s", event_id)
