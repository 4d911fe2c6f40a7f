from django.db import transaction
from django.dispatch import receiver

from fixboard.reports.importing.signals import requests_imported
from fixboard.reports.signals import event_recorded

from .aggregates import count_request
from .tasks import rebuild_jurisdiction_map


@receiver(event_recorded, dispatch_uid="maps.count_request")
def recount_on_event(sender, *, request_id, **kwargs):
    count_request(request_id)


@receiver(requests_imported, dispatch_uid="maps.rebuild_after_import")
def rebuild_after_import(sender, *, jurisdiction_id, **kwargs):
    # Bulk imports record no event per request, so the worker recounts the whole
    # jurisdiction once, after the import has finished and committed.
    transaction.on_commit(lambda: rebuild_jurisdiction_map.enqueue(jurisdiction_id))
