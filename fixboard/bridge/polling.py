"""Bringing a CRM's changes back by polling it: per endpoint, on its schedule, from a
high-water mark kept in the database, page by page, tolerant of clock skew.

Each poll reads again from a while before the mark (OVERLAP), because the CRM's clock and
ours differ and its writes may commit out of order; applying an update twice changes
nothing (`inbound.apply_update` keeps each update's id), so reading one twice costs
nothing but the read.
"""

import logging
import zoneinfo
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from fixboard.catalog.models import CrmEndpoint
from fixboard.core.open311_answers import moment, text

from .client import Client
from .inbound import Update, apply_update
from .models import CrmPoll, CrmSend

logger = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=10)
FIRST_WINDOW = timedelta(days=1)  # what the first poll of an endpoint reads
PAGE_SIZE = 500
# Servers page by 50 at least (Chicago's default): a shorter page is the last one.
SMALLEST_PAGE = 50
MAX_PAGES = 1000


def claim(endpoint: CrmEndpoint) -> CrmPoll | None:
    """The endpoint's polling state, leased to this worker; None if another holds it."""
    state, _ = CrmPoll.objects.get_or_create(endpoint=endpoint)
    now = timezone.now()
    taken = (
        CrmPoll.objects.filter(pk=state.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
        .update(lease_until=now + timedelta(seconds=settings.TASK_LEASE_SECONDS))
    )
    return CrmPoll.objects.get(pk=state.pk) if taken else None


def _update_of(endpoint: CrmEndpoint, record: dict, tz) -> Update | None:
    at = moment(record.get("updated_datetime"), tz)
    request_id = text(record.get("service_request_id"))
    if at is None or not request_id:
        return None
    if endpoint.poll == CrmEndpoint.Poll.REQUESTS:
        update_id = f"{request_id}@{at.isoformat()}"
        description = text(record.get("status_notes"))
    else:
        update_id = text(record.get("update_id"))
        description = text(record.get("description"))
    if not update_id:
        return None
    code, status = text(record.get("external_status_code")), text(record.get("status"))
    return Update(
        service_request_id=request_id,
        update_id=update_id,
        # The CRM's own code when the mapping knows it, else the (extended) status.
        status=code if code and endpoint.fixboard_status(code) else status,
        description=description,
        at=at,
        media_url=text(record.get("media_url")),
    )


def _pages(client: Client, endpoint: CrmEndpoint, since, until):
    seen: set[str] = set()
    for page in range(1, MAX_PAGES + 1):
        if endpoint.poll == CrmEndpoint.Poll.REQUESTS:
            records = client.requests(
                updated_after=since.isoformat(), page=page, page_size=PAGE_SIZE
            )
        else:
            records = client.updates(since, until, page=page, page_size=PAGE_SIZE)
        keys = {text(r.get("update_id")) + text(r.get("service_request_id")) for r in records}
        if not records or keys <= seen:  # a server that ignores `page` repeats page 1
            return
        seen |= keys
        yield records
        if len(records) < SMALLEST_PAGE:
            return


def _apply_page(endpoint: CrmEndpoint, records: list[dict], tz) -> tuple[int, object]:
    updates = [u for u in (_update_of(endpoint, r, tz) for r in records) if u]
    sends = CrmSend.objects.filter(
        endpoint=endpoint, external_id__in={u.service_request_id for u in updates}
    ).select_related("request")
    requests = {s.external_id: s.request for s in sends}
    applied, latest = 0, None
    for update in sorted(updates, key=lambda u: u.at):
        latest = max(latest or update.at, update.at)
        request = requests.get(update.service_request_id)
        if request is None:
            continue  # a request that did not come from here
        if apply_update(endpoint=endpoint, request=request, update=update) is not None:
            applied += 1
    return applied, latest


def poll(endpoint: CrmEndpoint, state: CrmPoll) -> int:
    """Read and apply what changed in the CRM since the mark; how many updates applied."""
    tz = zoneinfo.ZoneInfo(endpoint.jurisdiction.timezone)
    now = timezone.now()
    since = (state.high_water or now - FIRST_WINDOW) - OVERLAP
    client, applied, mark = Client(endpoint), 0, state.high_water
    try:
        for records in _pages(client, endpoint, since, now + OVERLAP):
            count, latest = _apply_page(endpoint, records, tz)
            applied += count
            if latest is not None:
                mark = max(mark or latest, min(latest, now))
    except Exception as exc:
        state.last_error = str(exc)[:2000]
        logger.warning("Polling %s failed: %s", endpoint, exc)
    else:
        # Only after a whole read: pages need not come in time order. What was applied
        # before a failure stays applied, and is skipped when read again.
        state.high_water = mark
        state.last_error = ""
    state.applied += applied
    state.last_polled_at = now
    state.next_poll_at = now + timedelta(minutes=endpoint.poll_minutes)
    state.lease_until = None
    state.save()
    return applied
