"""One batch of parsed rows → located, routed, and written with their events and areas."""

import secrets
from array import array
from collections import Counter

import numpy as np
from django.db import IntegrityError, transaction

from fixboard.catalog.calendars import due
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
_LETTERS = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
_FIVE_BITS = np.array([16, 8, 4, 2, 1], dtype=np.uint8)
_DASH = np.full((1, 1), ord("-"), dtype=np.uint8)


def new_public_ids(count: int) -> list[str]:
    """`count` random public ids in the format of public_ids.new_public_id, generated in bulk.

    Forty random bits each, read five at a time as letters of the alphabet; with numpy a
    batch's ids cost a quarter of what base64's pure-Python b32encode took.
    """
    bits = np.unpackbits(np.frombuffer(secrets.token_bytes(5 * count), dtype=np.uint8))
    letters = _LETTERS[bits.reshape(-1, 5) @ _FIVE_BITS].reshape(count, 8)
    dashes = np.broadcast_to(_DASH, (count, 1))
    text = np.hstack([letters[:, :4], dashes, letters[:, 4:]]).tobytes().decode()
    return [text[i : i + 9] for i in range(0, 9 * count, 9)]


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

    def _write(self, requests: list[tuple], areas: np.ndarray) -> bool:
        """Create the batch's new requests and update those already imported.

        Without `look_up`, every request is taken for new; False (nothing written) if the
        source-id index says one is not.
        """
        jid = self.jurisdiction.pk
        existing = self.store.existing(jid, [r[0] for r in requests]) if self.look_up else {}
        if not existing:
            return self._create(requests, areas)
        new = [i for i, r in enumerate(requests) if r[0] not in existing]
        old = [i for i, r in enumerate(requests) if r[0] in existing]
        if not self._create([requests[i] for i in new], areas[new]):
            return False
        found = [existing[requests[i][0]] for i in old]
        self._update([requests[i] for i in old], areas[old], found)
        return True

    def _prepare_catalog(self, requests: list[tuple]) -> None:
        """Create the batch's new service types and departments, the first spelling of each."""
        services: dict[str, str] = {}
        for request in requests:
            services.setdefault(request[1], request[2])
        self.catalog.prepare(services, dict.fromkeys(r[3] for r in requests if r[3]))

    def _department(self, department: str, service_id: int, areas: list[int]) -> int | None:
        """The named department, or the one the router gives for the service in the areas
        (a row of Placed.areas)."""
        if department:
            return self.catalog.department(department)
        key = (service_id, *areas)
        if key not in self.routes:
            area_ids = [a for a in areas if a >= 0]
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

    def _request_values(self, request: tuple, areas: list[int]) -> tuple:
        """(service type id, department id, expected_at as the store writes it) of a request."""
        _source_id, name, group, department, requested_at = request[:5]
        service = self.catalog.service(name, group)
        expected = (
            due(self.jurisdiction.pk, service.sla_value, service.sla_unit, requested_at)
            if service.sla_value
            else None
        )
        department_id = self._department(department, service.id, areas)
        return service.id, department_id, self.store.datetime(expected)

    def _create(self, new: list[tuple], areas: np.ndarray) -> bool:
        """Write the new requests with their events and areas; False if `_insert_requests` is."""
        if not new:
            return True
        store, jid = self.store, self.jurisdiction.pk
        ids = store.allocate_ids(len(new))
        public_ids = self._public_ids(len(new))
        requests = []
        for pk, public_id, request, row in zip(ids, public_ids, new, areas.tolist(), strict=True):
            service_id, department_id, expected = self._request_values(request, row)
            head, middle, end = request[5:]
            requests.append(
                (pk, public_id, jid, service_id, *head, department_id, *middle, expected, *end,
                 request[0])
            )  # fmt: skip
        if not self._insert_requests(requests):
            return False
        store.insert_imported_events(ids, EVENT_KINDS)
        store.insert_areas(*_pairs(ids, areas))
        self.result.created += len(new)
        return True

    def _update(self, old: list[tuple], areas: np.ndarray, found: list[tuple]) -> None:
        if not old:
            return
        store = self.store
        requests, events = [], []
        for request, row, (pk, old_status) in zip(old, areas.tolist(), found, strict=True):
            service_id, department_id, expected = self._request_values(request, row)
            head, middle, end = request[5:]
            requests.append((pk, service_id, *head, department_id, *middle, expected, *end))
            status, close_reason = head[0], head[1]
            if old_status != status:
                closed, updated = end[0], middle[2]
                events.append(
                    (pk, STATUS_CHANGED, True, old_status, status, close_reason, "", "{}",
                     ACTOR, "", closed or updated)
                )  # fmt: skip
        ids = [r[0] for r in requests]
        store.update_requests(requests)
        store.insert_events(events)
        store.delete_areas(ids)
        store.insert_areas(*_pairs(ids, areas))
        self.result.updated += len(old)


def _pairs(request_ids: list[int], areas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(request id, area id) of each area the requests lie in, as two integer arrays."""
    inside = areas >= 0
    repeated = np.repeat(np.asarray(request_ids, dtype=np.int64), inside.sum(axis=1))
    return repeated, areas[inside]
