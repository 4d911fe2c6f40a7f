"""Requests routed to a city's CRM enter its outbox with the request itself."""

from django.db import transaction
from django.dispatch import receiver

from fixboard.reports.models import Event
from fixboard.reports.signals import event_recorded, request_submitted

from .actions import queue_send


@receiver(request_submitted, dispatch_uid="bridge.queue_send")
def on_request_submitted(sender, request, **kwargs) -> None:
    # Inside the submission's transaction: the request and its send commit together.
    if not request.awaiting_confirmation:
        queue_send(request=request)


@receiver(event_recorded, dispatch_uid="bridge.queue_confirmed")
def on_confirmed(sender, event: Event, **kwargs) -> None:
    # A report that waited for its e-mail confirmation goes once confirmed.
    if event.kind == Event.Kind.CONFIRMED:
        with transaction.atomic():
            queue_send(request=event.request)
