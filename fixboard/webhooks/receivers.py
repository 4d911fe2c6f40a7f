"""Every public request event becomes a delivery for each subscription that wants it."""

from django.dispatch import receiver

from fixboard.reports.models import Event
from fixboard.reports.signals import event_recorded

from .actions import queue_deliveries


@receiver(event_recorded, dispatch_uid="webhooks.queue_deliveries")
def on_event_recorded(sender, event: Event, **kwargs) -> None:
    # After the event's commit: its deliveries are written in their own transaction.
    queue_deliveries(event)
