from django.dispatch import receiver

from fixboard.places.models import Jurisdiction
from fixboard.reports.importing.signals import requests_imported
from fixboard.reports.signals import event_recorded

from .aggregates import count_request, rebuild_map_aggregates


@receiver(event_recorded, dispatch_uid="maps.count_request")
def recount_on_event(sender, *, request_id, **kwargs):
    count_request(request_id)


@receiver(requests_imported, dispatch_uid="maps.rebuild_after_import")
def rebuild_after_import(sender, *, jurisdiction_id, **kwargs):
    # Bulk imports record no event per request, so recount the whole jurisdiction once.
    rebuild_map_aggregates(Jurisdiction.objects.get(pk=jurisdiction_id))
