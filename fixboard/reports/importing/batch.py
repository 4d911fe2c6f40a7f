"""One batch of parsed rows → located, routed, and written with their events and areas."""

import base64
import secrets
from array import array
from collections import Counter
from datetime import timedelta

import numpy as np
from django.db import transaction
from django.utils.translation import gettext as _

from fixboard.places.addresses import AddressRecorder, resolve_addresses
from fixboard.places.models import Jurisdiction
from fixboard.places.spatial import area_index

from ..models import Event, Status
from ..public_ids import ALPHABET
from ..routing import Router
from .catalog import CatalogCache
from .result import ImportResult
from .rows import NO_LOCATION, OUTSIDE, REPEATED, SWAPPED, Row
from .store import store_for_connection

# Plain strings: enum members cost an attribute look-up per row and per database adapter.
ACTOR = "import"
IMPORTED, STATUS_CHANGED = str(Event.Kind.IMPORTED), str(Event.Kind.STATUS_CHANGED)
NEW = str(Status.NEW)
EVENT_KINDS = {"imported": IMPORTED, "closed": STATUS_CHANGED, "new": NEW, "actor": ACTOR}
_TO_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode())


def new_public_ids(count: int) -> list[str]:
    """`count` random public ids in the format of public_ids.new_public_id, generated in bulk."""
    raw = base64.b32encode(secrets.token_bytes(5 * count)).translate(_TO_CROCKFORD).decode()
    return [f"{raw[i : i + 4]}-{raw[i + 4 : i + 8]}" for i in range(0, 8 * count, 8)]


class BatchWriter:
    """Writes batches for one import; caches what stays the same from batch to batch."""

    def __init__(self, jurisdiction: Jurisdiction, result: ImportResult):
        self.jurisdiction = jurisdiction
        self.result = result
        self.store = store_for_connection()
        self.catalog = CatalogCache(jurisdiction)
        self.router = Router(jurisdiction)
        self.addresses = AddressRecorder(jurisdiction)
        self.routes: dict[tuple, int | None] = {}
        # Row numbers left for the second pass: 4 bytes each, so even millions stay small.
        self.deferred = array("I")

    def write(self, rows: list[Row], *, by_address: bool = False) -> None:
        """Validate the batch's places, then write it in one transaction.

        First pass: rows without a point but with an address are left for the second
        pass (their numbers kept in `deferred`), which places them `by_address` once the
        whole file has fed the address index, so the outcome does not depend on row order.
        """
        rows = self._last_of_each_id(rows)
        with transaction.atomic():
            self.store.begin_batch(self.jurisdiction.pk)
            rows = self._by_address(rows) if by_address else self._with_points(rows)
            rows, areas = self._located(rows)
            if not by_address:
                self.addresses.record(
                    (r.address, r.zipcode, r.lat, r.long) for r in rows if r.address
                )
            existing = self.store.existing(self.jurisdiction.pk, [r.source_id for r in rows])
            new = [(r, a) for r, a in zip(rows, areas, strict=True) if r.source_id not in existing]
            old = [
                (r, a, existing[r.source_id])
                for r, a in zip(rows, areas, strict=True)
                if r.source_id in existing
            ]
            self._create(new)
            self._update(old)

    def _last_of_each_id(self, rows: list[Row]) -> list[Row]:
        """A later row of the same id supersedes an earlier one in the batch."""
        last = {row.source_id: row for row in rows}
        if len(last) == len(rows):
            return rows
        for row in rows:
            if last[row.source_id] is not row:
                self.result.skip(
                    REPEATED,
                    row.number,
                    _("row %(n)d: id %(id)s appears again in row %(m)d, which is used instead.")
                    % {"n": row.number, "id": row.source_id, "m": last[row.source_id].number},
                )
        return list(last.values())

    def _with_points(self, rows: list[Row]) -> list[Row]:
        """The rows that have a point; those with only an address wait for the second pass."""
        for row in rows:
            if row.lat is None:
                if row.address:
                    self.deferred.append(row.number)
                else:
                    self.result.skip(
                        NO_LOCATION,
                        row.number,
                        _("row %(n)d has neither coordinates nor an address.") % {"n": row.number},
                    )
        return [r for r in rows if r.lat is not None]

    def _by_address(self, rows: list[Row]) -> list[Row]:
        """Rows placed at their address's known point; the others are skipped."""
        known = resolve_addresses(
            jurisdiction=self.jurisdiction, addresses=[r.address for r in rows]
        )
        placed = []
        for row in rows:
            place = known.get(row.address)
            if place is None:
                self.result.skip(
                    NO_LOCATION,
                    row.number,
                    _("row %(n)d has no coordinates and its address %(a)r is not in the index.")
                    % {"n": row.number, "a": row.address},
                )
                continue
            row.lat, row.long = place.lat, place.long
            row.zipcode = row.zipcode or place.zipcode
            self.result.located_by_address += 1
            placed.append(row)
        return placed

    def _located(self, rows: list[Row]) -> tuple[list[Row], list[list[int]]]:
        """Rows inside the jurisdiction with their area ids; the others are skipped."""
        if not rows:
            return [], []
        index = area_index()
        jid = self.jurisdiction.pk
        lats = np.fromiter((r.lat for r in rows), dtype=float, count=len(rows))
        longs = np.fromiter((r.long for r in rows), dtype=float, count=len(rows))
        routed = index.locate_many(lats, longs, jid)
        if not routed.inside.all():
            outside = np.flatnonzero(~routed.inside)
            flipped = index.locate_many(longs[outside], lats[outside], jid).inside
            for i, swapped in zip(outside.tolist(), flipped.tolist(), strict=True):
                self._skip_outside(rows[i], swapped)
        keep = np.flatnonzero(routed.inside)
        areas = [[a for a in found if a >= 0] for found in routed.area_ids[keep].tolist()]
        return [rows[i] for i in keep.tolist()], areas

    def _skip_outside(self, row: Row, flipped: bool) -> None:
        values = {"n": row.number, "lat": row.lat, "long": row.long, "j": self.jurisdiction.name}
        if flipped:
            self.result.skip(
                SWAPPED,
                row.number,
                _(
                    "row %(n)d: %(lat)s, %(long)s is outside %(j)s but %(long)s, %(lat)s is "
                    "inside; latitude and longitude look swapped."
                )
                % values,
            )
        else:
            self.result.skip(
                OUTSIDE,
                row.number,
                _("row %(n)d: the point %(lat)s, %(long)s is outside %(j)s.") % values,
            )

    def _department(self, row: Row, service_id: int, area_ids: list[int]) -> int | None:
        if row.department:
            return self.catalog.department(row.department)
        key = (service_id, *area_ids)
        if key not in self.routes:
            self.routes[key] = self.router.department_id(service_id, area_ids)
        return self.routes[key]

    def _public_ids(self, count: int) -> list[str]:
        ids = new_public_ids(count)
        while True:
            repeated = {i for i, n in Counter(ids).items() if n > 1}
            clashes = self.store.taken_public_ids(ids) | repeated
            if not clashes:
                return ids
            fresh = iter(new_public_ids(len(clashes)))
            ids = [next(fresh) if i in clashes else i for i in ids]

    def _request_values(self, row: Row, area_ids: list[int]) -> tuple:
        """(service type id, department id, expected_at) of a row."""
        service = self.catalog.service(row.service_name, row.group)
        expected = (
            row.requested_at + timedelta(hours=service.sla_hours) if service.sla_hours else None
        )
        return service.id, self._department(row, service.id, area_ids), expected

    def _create(self, new: list[tuple[Row, list[int]]]) -> None:
        if not new:
            return
        store, dt, jid = self.store, self.store.datetime, self.jurisdiction.pk
        ids = store.allocate_ids(len(new))
        public_ids = self._public_ids(len(new))
        requests, area_requests, areas = [], [], []
        for pk, public_id, (row, area_ids) in zip(ids, public_ids, new, strict=True):
            service_id, department_id, expected = self._request_values(row, area_ids)
            requests.append(
                (pk, public_id, jid, service_id, row.status, row.close_reason, row.status_notes,
                 row.description, row.lat, row.long, row.address, row.address_id, row.zipcode,
                 department_id, row.channel, dt(row.requested_at), dt(row.updated_at),
                 dt(expected), dt(row.closed_at), row.media_url, row.source_id)
            )  # fmt: skip
            area_requests.extend([pk] * len(area_ids))
            areas.extend(area_ids)
        store.insert_requests(requests)
        store.insert_imported_events(ids, EVENT_KINDS)
        store.insert_areas(area_requests, areas)
        self.result.created += len(new)

    def _update(self, old: list[tuple[Row, list[int], tuple]]) -> None:
        if not old:
            return
        store, dt = self.store, self.store.datetime
        requests, events, area_requests, areas = [], [], [], []
        for row, area_ids, (pk, old_status) in old:
            service_id, department_id, expected = self._request_values(row, area_ids)
            requests.append(
                (pk, service_id, row.status, row.close_reason, row.status_notes, row.description,
                 row.lat, row.long, row.address, row.address_id, row.zipcode, department_id,
                 row.channel, dt(row.requested_at), dt(row.updated_at), dt(expected),
                 dt(row.closed_at), row.media_url)
            )  # fmt: skip
            if old_status != row.status:
                at = row.closed_at or row.updated_at
                events.append(
                    (pk, STATUS_CHANGED, True, old_status, row.status, row.close_reason, "", "{}",
                     ACTOR, "", dt(at))
                )  # fmt: skip
            area_requests.extend([pk] * len(area_ids))
            areas.extend(area_ids)
        store.update_requests(requests)
        store.insert_events(events)
        store.delete_areas([r[0] for r in requests])
        store.insert_areas(area_requests, areas)
        self.result.updated += len(old)
