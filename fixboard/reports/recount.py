"""The worker's repair of counts kept beside the requests (map cells, figures): recount
the requests changed since this worker's last pass, so a recount that failed after its
change committed is put right."""

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from .models import Event

# A worker's first pass looks this far back; later passes from the previous one, less the
# margin (an event's time is set before its transaction commits).
FIRST_LOOK_BACK = timedelta(days=1)
MARGIN = timedelta(minutes=5)


def recount_changed(count_request: Callable[[int], object], last_pass: dict) -> int:
    """Call `count_request(request_id)` for each request changed since `last_pass["at"]`
    (a per-process mark, None before the first pass, moved on here); returns how many."""
    now = timezone.now()
    since = last_pass["at"] - MARGIN if last_pass["at"] else now - FIRST_LOOK_BACK
    changed = (
        Event.objects.filter(created_at__gte=since)
        .exclude(kind=Event.Kind.SUBMITTED)  # counted in the submission's own transaction
        .values_list("request_id", flat=True)
        .order_by("request_id")  # the model's ordering would repeat a request per event
        .distinct()
    )
    count = 0
    for request_id in changed.iterator():
        count_request(request_id)
        count += 1
    last_pass["at"] = now
    return count
