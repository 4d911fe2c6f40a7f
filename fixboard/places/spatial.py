"""Point → jurisdiction and areas, against prepared polygons.

Each process builds the index once from the database and rebuilds it when any
jurisdiction's `areas_version` changes (checked at most every
AREA_INDEX_REFRESH_SECONDS), so web and worker processes agree without sharing memory.

Routing many points (imports) is vectorised: points are sorted by longitude once, each
polygon takes the slice inside its bounding box and tests it with `contains_xy`.
Areas of one kind are expected not to overlap; where they do, the first (lowest id) wins.
"""

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.conf import settings
from shapely import wkb

from .models import Area, Jurisdiction


@dataclass(frozen=True)
class Located:
    jurisdiction_id: int | None
    area_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Routed:
    """The result of routing many points in one jurisdiction.

    `inside[i]` says whether point i is inside the jurisdiction; `area_ids[i, k]` is the id
    of the area of kind `kinds[k]` containing it, or -1.
    """

    inside: np.ndarray
    area_ids: np.ndarray
    kinds: list[str]


@dataclass
class AreaKind:
    name: str
    ids: np.ndarray
    polygons: np.ndarray
    bounds: np.ndarray


@dataclass
class JurisdictionAreas:
    id: int
    kinds: list[AreaKind]
    boundary: shapely.Geometry | None
    boundary_kind: str


class AreaIndex:
    def __init__(self, version: dict[int, str], jurisdictions: list[JurisdictionAreas]):
        self.version = version
        self.jurisdictions = {j.id: j for j in jurisdictions}
        bounded = [j for j in jurisdictions if j.boundary is not None]
        self._boundary_owners = np.array([j.id for j in bounded], dtype=np.int64)
        self._boundary_tree = shapely.STRtree([j.boundary for j in bounded])

    def locate(self, lat: float, long: float, jurisdiction_id: int | None = None) -> Located:
        """The jurisdiction containing the point (or the given one, if it does) and its areas."""
        if jurisdiction_id is None:
            jurisdiction_id = self._owner_of(lat, long)
            if jurisdiction_id is None:
                return Located(None)
        jurisdiction = self.jurisdictions.get(jurisdiction_id)
        if jurisdiction is None or not (np.isfinite(lat) and np.isfinite(long)):
            return Located(None)
        found = {kind.name: _area_at(kind, lat, long) for kind in jurisdiction.kinds}
        if jurisdiction.boundary_kind in found:
            inside = found[jurisdiction.boundary_kind] is not None
        else:
            inside = jurisdiction.boundary is None or shapely.contains_xy(
                jurisdiction.boundary, long, lat
            )
        if not inside:
            return Located(None)
        return Located(jurisdiction_id, tuple(a for a in found.values() if a is not None))

    def _owner_of(self, lat: float, long: float) -> int | None:
        if not np.isfinite(lat) or not np.isfinite(long):
            return None
        hits = self._boundary_tree.query(shapely.points(long, lat), predicate="within")
        return int(self._boundary_owners[hits.min()]) if len(hits) else None

    def locate_many(self, lats, longs, jurisdiction_id: int) -> Routed:
        """Vectorised routing of many points in one jurisdiction."""
        ys = np.asarray(lats, dtype=float)
        xs = np.asarray(longs, dtype=float)
        jurisdiction = self.jurisdictions.get(jurisdiction_id)
        kinds = jurisdiction.kinds if jurisdiction else []
        area_ids = np.full((len(xs), len(kinds)), -1, dtype=np.int64)
        finite = np.flatnonzero(np.isfinite(xs) & np.isfinite(ys))
        order = finite[np.argsort(xs[finite])]
        sorted_xs, sorted_ys = xs[order], ys[order]
        for k, kind in enumerate(kinds):
            # Reversed, so that where areas overlap the first one's id is written last.
            for area_id, polygon, (x0, y0, x1, y1) in zip(
                kind.ids[::-1], kind.polygons[::-1], kind.bounds[::-1], strict=True
            ):
                lo = np.searchsorted(sorted_xs, x0, side="left")
                hi = np.searchsorted(sorted_xs, x1, side="right")
                in_box = lo + np.flatnonzero((sorted_ys[lo:hi] >= y0) & (sorted_ys[lo:hi] <= y1))
                points = order[in_box]
                hit = shapely.contains_xy(polygon, xs[points], ys[points])
                area_ids[points[hit], k] = area_id
        inside = self._inside(jurisdiction, xs, ys, area_ids, finite)
        return Routed(inside, area_ids, [kind.name for kind in kinds])

    @staticmethod
    def _inside(jurisdiction, xs, ys, area_ids, finite) -> np.ndarray:
        inside = np.zeros(len(xs), dtype=bool)
        if jurisdiction is None:
            return inside
        names = [kind.name for kind in jurisdiction.kinds]
        if jurisdiction.boundary_kind in names:
            return area_ids[:, names.index(jurisdiction.boundary_kind)] >= 0
        if jurisdiction.boundary is None:
            inside[finite] = True
            return inside
        inside[finite] = shapely.contains_xy(jurisdiction.boundary, xs[finite], ys[finite])
        return inside


def _area_at(kind: AreaKind, lat: float, long: float) -> int | None:
    """The first area of this kind containing the point: bounding boxes first, then exact."""
    b = kind.bounds
    candidates = np.flatnonzero(
        (b[:, 0] <= long) & (b[:, 2] >= long) & (b[:, 1] <= lat) & (b[:, 3] >= lat)
    )
    for i in candidates:
        if shapely.contains_xy(kind.polygons[i], long, lat):
            return int(kind.ids[i])
    return None


def _load_kinds(jurisdiction_id: int) -> list[AreaKind]:
    rows = list(
        Area.objects.filter(jurisdiction_id=jurisdiction_id, active=True)
        .order_by("kind", "id")
        .values_list("kind", "id", "geometry_wkb")
    )
    kinds = []
    for name in sorted({r[0] for r in rows}):
        of_kind = [r for r in rows if r[0] == name]
        polygons = np.array([wkb.loads(bytes(r[2])) for r in of_kind], dtype=object)
        shapely.prepare(polygons)
        kinds.append(
            AreaKind(
                name=name,
                ids=np.array([r[1] for r in of_kind], dtype=np.int64),
                polygons=polygons,
                bounds=shapely.bounds(polygons),
            )
        )
    return kinds


def _build(jurisdiction_id: int | None = None) -> AreaIndex:
    jurisdictions = []
    version = {}
    found = Jurisdiction.objects.order_by("id")
    if jurisdiction_id is not None:
        found = found.filter(pk=jurisdiction_id)
    for j in found.values("id", "areas_version", "boundary_wkb", "boundary_kind"):
        version[j["id"]] = j["areas_version"]
        boundary = wkb.loads(bytes(j["boundary_wkb"])) if j["boundary_wkb"] else None
        if boundary is not None:
            shapely.prepare(boundary)
        jurisdictions.append(
            JurisdictionAreas(j["id"], _load_kinds(j["id"]), boundary, j["boundary_kind"])
        )
    return AreaIndex(version, jurisdictions)


def jurisdiction_area_index(jurisdiction_id: int) -> AreaIndex:
    """A new index of one jurisdiction's areas only, for work confined to it (an import).

    Not shared or refreshed like `area_index()`: a region of many cities need not load
    every city's areas to route one city's rows.
    """
    return _build(jurisdiction_id)


_lock = threading.Lock()
_state: dict = {"index": None, "checked_at": 0.0}


def _current_version() -> dict[int, str]:
    return dict(Jurisdiction.objects.values_list("id", "areas_version"))


def area_index() -> AreaIndex:
    """This process's spatial index, rebuilt when the areas in the database changed."""
    with _lock:
        index = _state["index"]
        now = time.monotonic()
        if index is not None and now - _state["checked_at"] < settings.AREA_INDEX_REFRESH_SECONDS:
            return index
        if index is None or index.version != _current_version():
            index = _state["index"] = _build()
        _state["checked_at"] = now
        return index


def invalidate_area_index() -> None:
    with _lock:
        _state["index"] = None
