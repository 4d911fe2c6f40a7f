from django.db import transaction
from django.dispatch import receiver

from fixboard.reports import events
from fixboard.reports.importing.signals import requests_imported
from fixboard.reports.models import Event
from fixboard.reports.signals import event_recorded, request_submitted

from .aggregates import count_new_request, count_request, count_requests
from .tasks import rebuild_jurisdiction_map


@receiver(request_submitted, dispatch_uid="maps.count_new_request")
def count_on_submission(sender, *, request, **kwargs):
    count_new_request(request)


@receiver(event_recorded, dispatch_uid="maps.count_request")
def recount_on_event(sender, *, request_id, kind, **kwargs):
    if kind == Event.Kind.SUBMITTED:  # counted inside the submission's own transaction
        return
    if not events.once_per_batch(count_requests, request_id):
        count_request(request_id)


@receiver(requests_imported, dispatch_uid="maps.rebuild_after_import")
def rebuild_after_import(sender, *, jurisdiction_id, **kwargs):
    # Bulk imports record no event per request, so the worker recounts the whole
    # jurisdiction once, after the import has finished and committed. A failed enqueue is
    # logged and must not fail the committed import.
    transaction.on_commit(lambda: rebuild_jurisdiction_map.enqueue(jurisdiction_id), robust=True)
