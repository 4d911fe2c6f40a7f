from django_tasks import task

from fixboard.places.models import Jurisdiction
from fixboard.reports.recount import recount_changed

from .counting import count_request, rebuild_figures

_last_pass = {"at": None}


@task()
def rebuild_jurisdiction_figures(jurisdiction_id: int) -> int:
    """Count a jurisdiction's figures again after a bulk import; returns requests counted."""
    jurisdiction = Jurisdiction.objects.filter(pk=jurisdiction_id).first()
    return rebuild_figures(jurisdiction) if jurisdiction else 0


def reconcile_figures() -> int:
    """Recount the figures of the requests changed since this worker's last pass (worker
    reconcile); returns requests recounted."""
    return recount_changed(count_request, _last_pass)
