from django.dispatch import receiver

from fixboard.reports.signals import event_recorded

from .aggregates import count_request


@receiver(event_recorded, dispatch_uid="maps.count_request")
def recount_on_event(sender, *, request_id, **kwargs):
    count_request(request_id)
