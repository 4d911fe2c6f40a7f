"""One batch of parsed rows → located, routed, and written with their events and areas."""

import base64
import secrets
from array import array
from collections import Counter
from datetime import timedelta

from django.db import IntegrityError, transaction

from fixboard.places.addresses import AddressRecorder, resolve_addresses
from fixboard.places.models import Jurisdiction
from fixboard.places.spatial import area_index

from ..models import Event, Status
from ..public_ids import ALPHABET
from ..routing import Router
from .catalog import CatalogCache
from .learning import address_learner
from .placing import Placed, Placer
from .result import ImportResult
from .rows import Row
from .store import Store, store_for_connection

# Plain strings: enum members cost an attribute look-up per row and per database adapter.
ACTOR = "import"
IMPORTED, STATUS_CHANGED = str(Event.Kind.IMPORTED), str(Event.Kind.STATUS_CHANGED)
NEW = str(Status.NEW)
# Rows left for the second pass that are kept in memory (a few MB) rather than read again.
DEFERRED_ROWS_KEPT = 10_000
EVENT_KINDS = {"imported": IMPORTED, "closed": STATUS_CHANGED, "new": NEW, "actor": ACTOR}
_TO_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode())


def new_public_ids(count: int) -> list[str]:
    """`count` random public ids in the format of public_ids.new_public_id, generated in bulk."""
    raw = base64.b32encode(secrets.token_bytes(5 * count)).translate(_TO_CROCKFORD).decode()
    return [f"{raw[i : i + 4]}-{raw[i + 4 : i + 8]}" for i in range(0, 8 * count, 8)]


def store_and_placer(jurisdiction: Jurisdiction) -> tuple[Store, Placer]:
    """The write strategy and the placer of one import: what its readers need to start."""
    store = store_for_connection()
    return store, Placer(jurisdiction, area_index(), store.datetime)


class BatchWriter:
    """Writes batches for one import; caches what stays the same from batch to batch."""

    def __init__(
        self,
        jurisdiction: Jurisdiction,
        result: ImportResult,
        tools: tuple[Store, Placer] | None = None,
    ):
        self.jurisdiction = jurisdiction
        self.result = result
        self.store, self.placer = tools or store_and_placer(jurisdiction)
        self.catalog = CatalogCache(jurisdiction)
        self.router = Router(jurisdiction)
        self.addresses = address_learner(AddressRecorder(jurisdiction))
        self.routes: dict[tuple, int | None] = {}
        # Row numbers left for the second pass: 4 bytes each, so even millions stay small.
        self.deferred = array("I")
        # The rows themselves while they are few: the second pass then reads no file.
        self.deferred_rows: list[Row] | None = []

    def write(self, rows: list[Row], *, by_address: bool = False) -> None:
        """Place the batch's rows, then write them in one transaction.

        First pass: rows without a point but with an address are left for the second
        pass (their numbers kept in `deferred`), which places them `by_address` once the
        whole file has fed the address index, so the outcome does not depend on row order.
        """
        known = None
        if by_address:
            known = resolve_addresses(
                jurisdiction=self.jurisdiction, addresses=[r.address for r in rows]
            )
        self.write_placed(self.placer.place(rows, known=known))

    def write_placed(self, placed: Placed) -> None:
        """Count what placing skipped or deferred, then write its rows in one transaction."""
        for skip in placed.skips:
            self.result.skip(*skip)
        self.deferred.extend(row.number for row in placed.deferred)
        if self.deferred_rows is not None:
            self.deferred_rows.extend(placed.deferred)
            if len(self.deferred_rows) > DEFERRED_ROWS_KEPT:
                self.deferred_rows = None
        self.result.located_by_address += placed.by_address
        rows = placed.rows
        with transaction.atomic():
            self.store.begin_batch(self.jurisdiction.pk)
            # Empty in the second pass: points found through the address index need not
            # go back into it.
            self.addresses.record_latest(placed.addresses)
            existing = self.store.existing(self.jurisdiction.pk, [r.source_id for r in rows])
            placings = list(zip(rows, placed.areas, placed.dates, strict=True))
            new = [p for p in placings if p[0].source_id not in existing]
            old = [(*p, existing[p[0].source_id]) for p in placings if p[0].source_id in existing]
            self._prepare_catalog(rows)
            self._create(new)
            self._update(old)

    def _prepare_catalog(self, rows: list[Row]) -> None:
        """Create the batch's new service types and departments, the first spelling of each."""
        services: dict[str, str] = {}
        for row in rows:
            services.setdefault(row.service_name, row.group)
        self.catalog.prepare(services, dict.fromkeys(r.department for r in rows if r.department))

    def _department(self, row: Row, service_id: int, area_ids: list[int]) -> int | None:
        if row.department:
            return self.catalog.department(row.department)
        key = (service_id, *area_ids)
        if key not in self.routes:
            self.routes[key] = self.router.department_id(service_id, area_ids)
        return self.routes[key]

    @staticmethod
    def _public_ids(count: int) -> list[str]:
        """`count` new public ids, none repeated within the batch."""
        ids = new_public_ids(count)
        while len(set(ids)) < count:
            repeated = {i for i, n in Counter(ids).items() if n > 1}
            fresh = iter(new_public_ids(len(repeated)))
            ids = [next(fresh) if i in repeated else i for i in ids]
        return ids

    def _insert_requests(self, requests: list[tuple]) -> None:
        """Insert new requests; if a public id is taken already, the batch gets new ones.

        Forty random bits seldom clash even with millions of stored requests, so rather
        than look up each batch's ids first (a random probe of the unique index per
        request), the insert runs in a savepoint and the index itself says when one is
        taken; only then are the ids looked up, and the batch retried with fresh ones.
        """
        while True:
            try:
                with transaction.atomic():
                    self.store.insert_requests(requests)
                return
            except IntegrityError:
                if not self.store.taken_public_ids([r[1] for r in requests]):
                    raise
            fresh = self._public_ids(len(requests))
            requests = [(r[0], p, *r[2:]) for r, p in zip(requests, fresh, strict=True)]

    def _request_values(self, row: Row, area_ids: list[int]) -> tuple:
        """(service type id, department id, expected_at) of a row."""
        service = self.catalog.service(row.service_name, row.group)
        expected = (
            row.requested_at + timedelta(hours=service.sla_hours) if service.sla_hours else None
        )
        return service.id, self._department(row, service.id, area_ids), expected

    def _create(self, new: list[tuple[Row, list[int], tuple]]) -> None:
        if not new:
            return
        store, dt, jid = self.store, self.store.datetime, self.jurisdiction.pk
        ids = store.allocate_ids(len(new))
        public_ids = self._public_ids(len(new))
        requests, area_requests, areas = [], [], []
        for pk, public_id, (row, area_ids, dates) in zip(ids, public_ids, new, strict=True):
            service_id, department_id, expected = self._request_values(row, area_ids)
            requested, updated, closed = dates
            requests.append(
                (pk, public_id, jid, service_id, row.status, row.close_reason, row.status_notes,
                 row.description, row.lat, row.long, row.address, row.address_id, row.zipcode,
                 department_id, row.channel, requested, updated, dt(expected), closed,
                 row.media_url, row.source_id)
            )  # fmt: skip
            area_requests.extend([pk] * len(area_ids))
            areas.extend(area_ids)
        self._insert_requests(requests)
        store.insert_imported_events(ids, EVENT_KINDS)
        store.insert_areas(area_requests, areas)
        self.result.created += len(new)

    def _update(self, old: list[tuple[Row, list[int], tuple, tuple]]) -> None:
        if not old:
            return
        store, dt = self.store, self.store.datetime
        requests, events, area_requests, areas = [], [], [], []
        for row, area_ids, dates, (pk, old_status) in old:
            service_id, department_id, expected = self._request_values(row, area_ids)
            requested, updated, closed = dates
            requests.append(
                (pk, service_id, row.status, row.close_reason, row.status_notes, row.description,
                 row.lat, row.long, row.address, row.address_id, row.zipcode, department_id,
                 row.channel, requested, updated, dt(expected), closed, row.media_url)
            )  # fmt: skip
            if old_status != row.status:
                events.append(
                    (pk, STATUS_CHANGED, True, old_status, row.status, row.close_reason, "", "{}",
                     ACTOR, "", closed or updated)
                )  # fmt: skip
            area_requests.extend([pk] * len(area_ids))
            areas.extend(area_ids)
        store.update_requests(requests)
        store.insert_events(events)
        store.delete_areas([r[0] for r in requests])
        store.insert_areas(area_requests, areas)
        self.result.updated += len(old)
