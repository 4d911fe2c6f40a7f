from django_tasks import task

from fixboard.places.models import Jurisdiction

from .aggregates import rebuild_map_aggregates


@task()
def rebuild_jurisdiction_map(jurisdiction_id: int) -> int:
    """Recount a jurisdiction's map cells after a bulk import; returns requests counted."""
    jurisdiction = Jurisdiction.objects.filter(pk=jurisdiction_id).first()
    return rebuild_map_aggregates(jurisdiction) if jurisdiction else 0
