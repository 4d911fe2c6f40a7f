"""Bringing a CRM's changes back by polling it: per endpoint, on its schedule, from a
high-water mark kept in the database, page by page, tolerant of clock skew.

Each poll reads again from a while before the mark (OVERLAP), because the CRM's clock and
ours differ and its writes may commit out of order; applying an update twice changes
nothing (`inbound.apply_update` keeps each update's id), so reading one twice costs
nothing but the read.
"""

import hashlib
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


def _snapshot(request_id: str, *parts: str) -> str:
    """The id of a record's state: the same however often the CRM touches the record
    without changing what it says."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]
    return f"{request_id[:80]}@{digest}"


def _update_of(endpoint: CrmEndpoint, record: dict, tz, now) -> tuple[Update | None, object]:
    """The update a record says, and the CRM's time of it (None when it gives none)."""
    at = moment(record.get("updated_datetime"), tz)
    request_id = text(record.get("service_request_id"))
    code, status = text(record.get("external_status_code")), text(record.get("status"))
    # The CRM's own code when the mapping knows it, else the (extended) status.
    status = code if code and endpoint.fixboard_status(code) else status
    if not request_id:
        return None, None
    if endpoint.poll == CrmEndpoint.Poll.REQUESTS:
        # A request's record is its state now, not an event: many servers leave its
        # updated_datetime empty (Toronto), and touch it without changing what it says.
        description, media_url = text(record.get("status_notes")), text(record.get("media_url"))
        update_id = _snapshot(request_id, status, description, media_url)
        snapshot_of = request_id[:80]
    else:
        update_id, snapshot_of = text(record.get("update_id")), ""
        description, media_url = text(record.get("description")), text(record.get("media_url"))
        if at is None or not update_id:
            return None, None
    update = Update(
        service_request_id=request_id,
        update_id=update_id,
        status=status,
        description=description,
        at=at or now,
        media_url=media_url,
        snapshot_of=snapshot_of,
    )
    return update, at


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


def _apply_page(endpoint: CrmEndpoint, records: list[dict], tz, now) -> tuple[int, object]:
    read = [_update_of(endpoint, r, tz, now) for r in records]
    updates = [u for u, _at in read if u]
    stamped = [at for u, at in read if u and at]
    sends = CrmSend.objects.filter(
        endpoint=endpoint, external_id__in={u.service_request_id for u in updates}
    ).select_related("request")
    requests = {s.external_id: s.request for s in sends}
    applied, latest = 0, max(stamped, default=None)
    for update in sorted(updates, key=lambda u: u.at):
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
            count, latest = _apply_page(endpoint, records, tz, now)
            applied += count
            if latest is not None:
                # Never past our clock: one record dated in the future (a CRM clock ahead, a
                # typo) must not make later polls skip what comes before it.
                capped = min(latest, now)
                mark = max(mark or capped, capped)
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
