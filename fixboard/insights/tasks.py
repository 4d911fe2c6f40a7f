from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from fixboard.places.models import Jurisdiction
from fixboard.reports.models import Event

from .counting import count_request, rebuild_figures

# As the map counts (fixboard.maps.tasks): a worker's first pass looks this far back, later
# passes from the previous one less the margin (an event's time is set before it commits).
FIRST_LOOK_BACK = timedelta(days=1)
MARGIN = timedelta(minutes=5)
_last_pass = {"at": None}


@task()
def rebuild_jurisdiction_figures(jurisdiction_id: int) -> int:
    """Count a jurisdiction's figures again after a bulk import; returns requests counted."""
    jurisdiction = Jurisdiction.objects.filter(pk=jurisdiction_id).first()
    return rebuild_figures(jurisdiction) if jurisdiction else 0


def reconcile_figures() -> int:
    """Recount the requests changed since this worker's last pass (worker reconcile), so a
    recount that failed after its change committed is repaired; returns requests recounted."""
    now = timezone.now()
    since = _last_pass["at"] - MARGIN if _last_pass["at"] else now - FIRST_LOOK_BACK
    changed = (
        Event.objects.filter(created_at__gte=since)
        .exclude(kind=Event.Kind.SUBMITTED)  # counted in the submission's own transaction
        .values_list("request_id", flat=True)
        .distinct()
    )
    count = 0
    for request_id in changed.iterator():
        count_request(request_id)
        count += 1
    _last_pass["at"] = now
    return count
