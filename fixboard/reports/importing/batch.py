"""One batch of parsed rows → located, routed, and written with their events and areas."""

import base64
import secrets
from array import array
from collections import Counter
from datetime import timedelta

from django.db import IntegrityError, transaction

from fixboard.places.addresses import AddressRecorder, resolve_addresses
from fixboard.places.models import Jurisdiction
from fixboard.places.spatial import jurisdiction_area_index

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
    return store, Placer(jurisdiction, jurisdiction_area_index(jurisdiction.pk), store.datetime)


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
        # A city's first import need not look its rows' ids up: none can be there yet,
        # unless an earlier batch of the file brought it (see `_write`).
        self.look_up = self.store.has_source_ids(jurisdiction.pk)
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
        requests = placed.requests
        with transaction.atomic():
            self.store.begin_batch(self.jurisdiction.pk)
            # Empty in the second pass: points found through the address index need not
            # go back into it.
            self.addresses.record_latest(placed.addresses)
            self._prepare_catalog(requests)
            if not self._write(requests, placed.areas):
                # An id of this batch came in an earlier one (a file may repeat an id far
                # apart): from now on every batch's ids are looked up.
                self.look_up = True
                self._write(requests, placed.areas)

    def _write(self, requests: list[tuple], areas: list[list[int]]) -> bool:
        """Create the batch's new requests and update those already imported.

        Without `look_up`, every request is taken for new; False (nothing written) if the
        source-id index says one is not.
        """
        jid = self.jurisdiction.pk
        existing = self.store.existing(jid, [r[0] for r in requests]) if self.look_up else {}
        new, old = [], []
        for request, area_ids in zip(requests, areas, strict=True):
            found = existing.get(request[0])
            if found is None:
                new.append((request, area_ids))
            else:
                old.append((request, area_ids, found))
        if not self._create(new):
            return False
        self._update(old)
        return True

    def _prepare_catalog(self, requests: list[tuple]) -> None:
        """Create the batch's new service types and departments, the first spelling of each."""
        services: dict[str, str] = {}
        for request in requests:
            services.setdefault(request[1], request[2])
        self.catalog.prepare(services, dict.fromkeys(r[3] for r in requests if r[3]))

    def _department(self, department: str, service_id: int, area_ids: list[int]) -> int | None:
        if department:
            return self.catalog.department(department)
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

    def _insert_requests(self, requests: list[tuple]) -> bool:
        """Insert new requests; if a public id is taken already, the batch gets new ones.

        Forty random bits seldom clash even with millions of stored requests, so rather
        than look up each batch's ids first (a random probe of the unique index per
        request), the insert runs in a savepoint and the index itself says when one is
        taken; only then are the ids looked up, and the batch retried with fresh ones.
        Any other refusal, when source ids were not looked up, returns False (nothing
        written): one of them may be taken.
        """
        while True:
            try:
                with transaction.atomic():
                    self.store.insert_requests(requests)
                return True
            except IntegrityError:
                if not self.store.taken_public_ids([r[1] for r in requests]):
                    if self.look_up:
                        raise
                    return False
            fresh = self._public_ids(len(requests))
            requests = [(r[0], p, *r[2:]) for r, p in zip(requests, fresh, strict=True)]

    def _request_values(self, request: tuple, area_ids: list[int]) -> tuple:
        """(service type id, department id, expected_at as the store writes it) of a request."""
        _source_id, name, group, department, requested_at = request[:5]
        service = self.catalog.service(name, group)
        expected = requested_at + timedelta(hours=service.sla_hours) if service.sla_hours else None
        department_id = self._department(department, service.id, area_ids)
        return service.id, department_id, self.store.datetime(expected)

    def _create(self, new: list[tuple[tuple, list[int]]]) -> bool:
        """Write the new requests with their events and areas; False if `_insert_requests` is."""
        if not new:
            return True
        store, jid = self.store, self.jurisdiction.pk
        ids = store.allocate_ids(len(new))
        public_ids = self._public_ids(len(new))
        requests, area_requests, areas = [], [], []
        for pk, public_id, (request, area_ids) in zip(ids, public_ids, new, strict=True):
            service_id, department_id, expected = self._request_values(request, area_ids)
            head, middle, end = request[5:]
            requests.append(
                (pk, public_id, jid, service_id, *head, department_id, *middle, expected, *end,
                 request[0])
            )  # fmt: skip
            area_requests.extend([pk] * len(area_ids))
            areas.extend(area_ids)
        if not self._insert_requests(requests):
            return False
        store.insert_imported_events(ids, EVENT_KINDS)
        store.insert_areas(area_requests, areas)
        self.result.created += len(new)
        return True

    def _update(self, old: list[tuple[tuple, list[int], tuple]]) -> None:
        if not old:
            return
        store = self.store
        requests, events, area_requests, areas = [], [], [], []
        for request, area_ids, (pk, old_status) in old:
            service_id, department_id, expected = self._request_values(request, area_ids)
            head, middle, end = request[5:]
            requests.append((pk, service_id, *head, department_id, *middle, expected, *end))
            status, close_reason = head[0], head[1]
            if old_status != status:
                closed, updated = end[0], middle[2]
                events.append(
                    (pk, STATUS_CHANGED, True, old_status, status, close_reason, "", "{}",
                     ACTOR, "", closed or updated)
                )  # fmt: skip
            area_requests.extend([pk] * len(area_ids))
            areas.extend(area_ids)
        store.update_requests(requests)
        store.insert_events(events)
        store.delete_areas([r[0] for r in requests])
        store.insert_areas(area_requests, areas)
        self.result.updated += len(old)
