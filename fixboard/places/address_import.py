"""`fixboard import-addresses`: a city's address points into the address index.

Every row ends in exactly one of: added (a new address), moved (a known address more than
MOVE_DEGREES away from where the index had it), already known (the index had it there,
from before or from an earlier row of the file, such as another unit of the same
building) or rejected with a reason and a message naming the row. A rejected row never
stops the file; rows are written in batches, each in its own transaction, through the
same upsert as the request import's, so re-importing a file adds nothing. A large first
load goes without the index's secondary indexes, built once at the end (`bulk_load`).

Units are dropped: a street problem is at a door, not an apartment, and OpenAddresses
lists one row per unit at the same point, so "12 MAIN ST" is one address whatever its
units (each further unit's row counts as already known).
"""

import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from tqdm import tqdm

from .address_files import (
    OPENADDRESSES_LAYOUT,
    Layout,
    Problem,
    count_records,
    is_geojson,
    read_csv,
    read_geojson,
)
from .addresses import AddressRecorder, latest_addresses
from .background import address_learner, learning
from .bulk_load import bulk_load
from .models import AddressPoint, Jurisdiction
from .spatial import jurisdiction_area_index

NO_STREET = "no number or street"
NO_POINT = "no point"
BAD_POINT = "unreadable point"
OUT_OF_RANGE = "coordinates out of range"
OUTSIDE = "outside the jurisdiction"
EXAMPLES_PER_REASON = 5
BATCH = 20_000


@dataclass
class AddressImportResult:
    added: int = 0
    moved: int = 0
    known: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def rows(self) -> int:
        """Every record read: each was added, moved, already known or rejected."""
        return self.added + self.moved + self.known + self.rejected.total()

    @property
    def rate(self) -> float:
        return self.rows / self.elapsed if self.elapsed else 0.0

    def reject(self, reason: str, message: str) -> None:
        self.rejected[reason] += 1
        examples = self.examples.setdefault(reason, [])
        if len(examples) < EXAMPLES_PER_REASON:
            examples.append(message)


Rejected = Callable[[int, str, str], None]


def import_addresses(
    *,
    path: Path,
    jurisdiction: Jurisdiction,
    layout: Layout | None = None,
    progress: bool = False,
    progress_file=None,
    on_reject: Rejected | None = None,
) -> AddressImportResult:
    """Read the file (OpenAddresses CSV or GeoJSON, or CSV in `layout`) into the index."""
    path = Path(path)
    geojson = is_geojson(path)
    records = (read_geojson if geojson else read_csv)(path, layout or OPENADDRESSES_LAYOUT)
    result = AddressImportResult()
    started = time.monotonic()
    before = AddressPoint.objects.filter(jurisdiction=jurisdiction).count()
    recorder = AddressRecorder(jurisdiction)
    batch = _Batch(jurisdiction, result, on_reject, address_learner(recorder))
    total = count_records(path) - (0 if geojson else 1)
    bar = tqdm(
        total=total, unit=_(" rows"), disable=not progress, file=progress_file, mininterval=0.5
    )
    with bulk_load(total), bar, learning(batch.learner):
        for number, fields in records:
            batch.add(number, fields)
            if len(batch) >= BATCH:
                bar.update(batch.flush())
        bar.update(batch.flush())
    result.added = AddressPoint.objects.filter(jurisdiction=jurisdiction).count() - before
    result.moved = recorder.written - result.added
    result.known = batch.valid - recorder.written
    result.elapsed = time.monotonic() - started
    return result


class _Batch:
    """Rows read but not yet located and written."""

    def __init__(self, jurisdiction: Jurisdiction, result: AddressImportResult, on_reject, learner):
        self.jurisdiction = jurisdiction
        self.result = result
        self.on_reject = on_reject
        self.areas = jurisdiction_area_index(jurisdiction.pk)
        self.learner = learner  # an AddressRecorder, or one writing in the background
        self.rows: list[tuple[int, str, str, float, float]] = []
        self.read = 0
        self.valid = 0

    def __len__(self):
        return len(self.rows)

    def reject(self, number: int, reason: str, message: str) -> None:
        self.result.reject(reason, message)
        if self.on_reject:
            self.on_reject(number, reason, message)

    def add(self, number: int, fields: dict | Problem) -> None:
        self.read += 1
        if isinstance(fields, Problem):
            self.reject(number, fields.reason, fields.message)
            return
        street_line = fields.get("address")
        if not street_line:
            house, street = fields.get("number"), fields.get("street")
            if not (house and street):
                what = {
                    (False, True): _("house number"),
                    (True, False): _("street"),
                }.get((bool(house), bool(street)), _("house number and no street"))
                self.reject(
                    number, NO_STREET, _("row %(n)d has no %(w)s.") % {"n": number, "w": what}
                )
                return
            street_line = f"{house} {street}"
        point = _point(number, fields.get("lat", ""), fields.get("long", ""))
        if isinstance(point, Problem):
            self.reject(number, point.reason, point.message)
            return
        self.rows.append((number, street_line.strip(), fields.get("postcode", ""), *point))

    def flush(self) -> int:
        """Locate and write the rows read; returns how many records that was."""
        rows, self.rows = self.rows, []
        read, self.read = self.read, 0
        if not rows:
            return read
        inside = self.areas.locate_many(
            [r[3] for r in rows], [r[4] for r in rows], self.jurisdiction.pk
        ).inside
        kept = []
        for row, ok in zip(rows, inside, strict=True):
            if ok:
                kept.append(row[1:])
            else:
                self.reject(
                    row[0],
                    OUTSIDE,
                    _("row %(n)d: %(a)s at %(lat)s, %(long)s is outside %(j)s.")
                    % {
                        "n": row[0],
                        "a": row[1],
                        "lat": row[3],
                        "long": row[4],
                        "j": self.jurisdiction.name,
                    },
                )
        self.valid += len(kept)
        # Prepared here, written by the learner (on PostgreSQL, while the next batch is read).
        self.learner.record_latest(latest_addresses(kept))
        return read


def _point(number: int, lat_text: str, long_text: str) -> tuple[float, float] | Problem:
    if not lat_text.strip() or not long_text.strip():
        return Problem(NO_POINT, _("row %(n)d has no latitude or longitude.") % {"n": number})
    try:
        lat, long = float(lat_text), float(long_text)
    except ValueError:
        return Problem(
            BAD_POINT,
            _("row %(n)d: %(lat)r, %(long)r are not decimal degrees.")
            % {"n": number, "lat": lat_text, "long": long_text},
        )
    if not (math.isfinite(lat) and math.isfinite(long)) or abs(lat) > 90 or abs(long) > 180:
        return Problem(
            OUT_OF_RANGE,
            _("row %(n)d: latitude %(lat)s / longitude %(long)s are outside ±90 / ±180.")
            % {"n": number, "lat": lat_text, "long": long_text},
        )
    if lat == 0 and long == 0:
        return Problem(NO_POINT, _("row %(n)d is at 0, 0 (no point).") % {"n": number})
    return lat, long
