from django_tasks import task

from fixboard.places.models import Jurisdiction
from fixboard.reports.recount import recount_changed

from .aggregates import count_request, rebuild_map_aggregates

_last_pass = {"at": None}


@task()
def rebuild_jurisdiction_map(jurisdiction_id: int) -> int:
    """Recount a jurisdiction's map cells after a bulk import; returns requests counted."""
    jurisdiction = Jurisdiction.objects.filter(pk=jurisdiction_id).first()
    return rebuild_map_aggregates(jurisdiction) if jurisdiction else 0


def reconcile_map_counts() -> int:
    """Recount the map cells of the requests changed since this worker's last pass (worker
    reconcile); returns requests recounted."""
    return recount_changed(count_request, _last_pass)
