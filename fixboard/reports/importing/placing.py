"""Which rows of a batch can be written, and in which areas: no database, so any process.

The parser places each batch of the first reading right after parsing it (see
`prefetch.ForkedPrefetch`), so this work runs alongside the writing of the batch before.
It also turns the rows' date-times into what the store writes (text on SQLite).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from fixboard.places.addresses import latest_addresses
from fixboard.places.models import Jurisdiction
from fixboard.places.spatial import AreaIndex

from .rows import NO_LOCATION, OUTSIDE, REPEATED, SWAPPED, Row
from .store import SOURCE_HEAD

_head = attrgetter(*SOURCE_HEAD)
NO_AREAS = np.empty((0, 0), dtype=np.int64)


@dataclass
class Placed:
    """The batch's requests to write with their area ids, and what became of its other rows.

    Each of `requests` is a row laid out for the writer: (source id, service name, group,
    department name, requested_at, head, middle, end), where head, middle and end hold
    the row's values of store.SOURCE_HEAD, SOURCE_MIDDLE and SOURCE_END, date-times as
    the store writes them. Plain tuples cross from the reader process in a third of the
    time row objects take to pickle and unpickle, and the writer only joins the runs.
    """

    requests: list[tuple]
    # Row i of `requests` lies in the areas areas[i] (one column per kind of area; -1
    # where none of a kind holds it): one array, which pickles as a block of bytes.
    areas: np.ndarray
    skips: list[tuple[str, int, str]] = field(default_factory=list)
    # Rows with an address but no point, left for the second pass.
    deferred: list[Row] = field(default_factory=list)
    by_address: int = 0
    # What the rows placed by their own points teach the address index (normalised here,
    # off the writer's path; see `addresses.latest_addresses`).
    addresses: dict[str, tuple] = field(default_factory=dict)


class Placer:
    """Places the rows of one import with the area index it was given (read once)."""

    def __init__(
        self, jurisdiction: Jurisdiction, index: AreaIndex, stored: Callable[[datetime], Any]
    ):
        self.jurisdiction_id = jurisdiction.pk
        self.name = jurisdiction.name
        self.index = index
        self.stored = stored

    def place(self, rows: list[Row], *, known: dict | None = None) -> Placed:
        """The batch's rows inside the jurisdiction, the last of each source id.

        Rows without a point are placed at their address when `known` (address → known
        place) is given; otherwise those with an address are deferred and the rest skipped.
        """
        placed = Placed([], NO_AREAS)
        rows = self._last_of_each_id(rows, placed.skips)
        if known is None:
            rows = self._with_points(rows, placed)
        else:
            rows = self._by_address(rows, known, placed)
        rows, placed.areas = self._located(rows, placed.skips)
        if known is None:
            placed.addresses = latest_addresses(
                (r.address, r.zipcode, r.lat, r.long) for r in rows if r.address
            )
        stored = self.stored
        placed.requests = [
            (r.source_id, r.service_name, r.group, r.department, r.requested_at, _head(r),
             (r.channel, stored(r.requested_at), stored(r.updated_at)),
             (stored(r.closed_at), r.media_url))
            for r in rows
        ]  # fmt: skip
        return placed

    @staticmethod
    def _last_of_each_id(rows: list[Row], skips: list) -> list[Row]:
        """A later row of the same id supersedes an earlier one in the batch."""
        last = {row.source_id: row for row in rows}
        if len(last) == len(rows):
            return rows
        for row in rows:
            if last[row.source_id] is not row:
                skips.append(
                    (
                        REPEATED,
                        row.number,
                        _("row %(n)d: id %(id)s appears again in row %(m)d, which is used instead.")
                        % {"n": row.number, "id": row.source_id, "m": last[row.source_id].number},
                    )
                )
        return list(last.values())

    @staticmethod
    def _with_points(rows: list[Row], placed: Placed) -> list[Row]:
        """The rows that have a point; those with only an address wait for the second pass."""
        with_point = []
        for row in rows:
            if row.lat is not None:
                with_point.append(row)
            elif row.address:
                placed.deferred.append(row)
            else:
                placed.skips.append(
                    (
                        NO_LOCATION,
                        row.number,
                        _("row %(n)d has neither coordinates nor an address.") % {"n": row.number},
                    )
                )
        return with_point

    @staticmethod
    def _by_address(rows: list[Row], known: dict, placed: Placed) -> list[Row]:
        """Rows placed at their address's known point; the others are skipped."""
        found = []
        for row in rows:
            place = known.get(row.address)
            if place is None:
                placed.skips.append(
                    (
                        NO_LOCATION,
                        row.number,
                        _("row %(n)d has no coordinates and its address %(a)r is not in the index.")
                        % {"n": row.number, "a": row.address},
                    )
                )
                continue
            row.lat, row.long = place.lat, place.long
            row.zipcode = row.zipcode or place.zipcode
            placed.by_address += 1
            found.append(row)
        return found

    def _located(self, rows: list[Row], skips: list) -> tuple[list[Row], np.ndarray]:
        """Rows inside the jurisdiction with their area ids (see Placed); the others are
        skipped."""
        if not rows:
            return [], NO_AREAS
        jid = self.jurisdiction_id
        lats = np.fromiter((r.lat for r in rows), dtype=float, count=len(rows))
        longs = np.fromiter((r.long for r in rows), dtype=float, count=len(rows))
        routed = self.index.locate_many(lats, longs, jid)
        if routed.inside.all():
            return rows, routed.area_ids
        outside = np.flatnonzero(~routed.inside)
        flipped = self.index.locate_many(longs[outside], lats[outside], jid).inside
        for i, swapped in zip(outside.tolist(), flipped.tolist(), strict=True):
            skips.append(self._outside(rows[i], swapped))
        keep = np.flatnonzero(routed.inside)
        return [rows[i] for i in keep.tolist()], routed.area_ids[keep]

    def _outside(self, row: Row, flipped: bool) -> tuple[str, int, str]:
        values = {"n": row.number, "lat": row.lat, "long": row.long, "j": self.name}
        if flipped:
            message = _(
                "row %(n)d: %(lat)s, %(long)s is outside %(j)s but %(long)s, %(lat)s is "
                "inside; latitude and longitude look swapped."
            )
            return SWAPPED, row.number, message % values
        message = _("row %(n)d: the point %(lat)s, %(long)s is outside %(j)s.")
        return OUTSIDE, row.number, message % values
