"""Point → jurisdiction and areas, through an STRtree over prepared polygons.

Each process builds the index once from the database and rebuilds it when any
jurisdiction's `areas_version` changes (checked at most every
AREA_INDEX_REFRESH_SECONDS), so web and worker processes agree without sharing memory.
"""

import threading
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings
from shapely import wkb

from .models import Area, Jurisdiction


@dataclass(frozen=True)
class Located:
    jurisdiction_id: int | None
    area_ids: tuple[int, ...] = ()


@dataclass
class AreaIndex:
    version: dict[int, str]
    area_ids: np.ndarray
    area_jurisdictions: np.ndarray
    area_kinds: list[str]
    area_codes: list[str]
    tree: shapely.STRtree
    polygons: np.ndarray
    boundary_jurisdictions: np.ndarray
    boundary_tree: shapely.STRtree
    boundaries: np.ndarray
    unbounded_jurisdictions: frozenset[int] = field(default_factory=frozenset)

    def locate(self, lat: float, long: float, jurisdiction_id: int | None = None) -> Located:
        """The jurisdiction containing the point (or the given one, if it does) and its areas."""
        result = self.locate_many(np.array([lat]), np.array([long]), jurisdiction_id)
        juris, areas = result[0][0], result[1][0]
        return Located(int(juris) if juris >= 0 else None, tuple(areas))

    def locate_many(
        self, lats: np.ndarray, longs: np.ndarray, jurisdiction_id: int | None = None
    ) -> tuple[np.ndarray, list[list[int]]]:
        """Vectorised routing: for each point, its jurisdiction id (-1 if outside) and area ids."""
        xs = np.asarray(longs, dtype=float)
        ys = np.asarray(lats, dtype=float)
        juris = self._jurisdictions_of(xs, ys, jurisdiction_id)
        areas: list[list[int]] = [[] for _ in range(len(xs))]
        point_idx, poly_idx = self._hits(self.tree, self.polygons, xs, ys)
        for p, a in zip(point_idx.tolist(), poly_idx.tolist(), strict=True):
            if self.area_jurisdictions[a] == juris[p]:
                areas[p].append(int(self.area_ids[a]))
        return juris, areas

    def _jurisdictions_of(self, xs, ys, jurisdiction_id) -> np.ndarray:
        juris = np.full(len(xs), -1, dtype=np.int64)
        if jurisdiction_id is not None and jurisdiction_id in self.unbounded_jurisdictions:
            juris[:] = jurisdiction_id
            return juris
        point_idx, poly_idx = self._hits(self.boundary_tree, self.boundaries, xs, ys)
        owners = self.boundary_jurisdictions[poly_idx]
        if jurisdiction_id is not None:
            keep = owners == jurisdiction_id
            point_idx, owners = point_idx[keep], owners[keep]
        # Where boundaries overlap, the first match wins: order is stable by jurisdiction id.
        juris[point_idx[::-1]] = owners[::-1]
        return juris

    @staticmethod
    def _hits(tree, polygons, xs, ys) -> tuple[np.ndarray, np.ndarray]:
        """Pairs (point index, polygon index) where the polygon contains the point."""
        finite = np.isfinite(xs) & np.isfinite(ys)
        if not len(polygons) or not finite.any():
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        candidates = np.flatnonzero(finite)
        points = shapely.points(xs[candidates], ys[candidates])
        pt, poly = tree.query(points)
        if not len(pt):
            return pt, poly
        inside = shapely.contains_xy(polygons[poly], xs[candidates[pt]], ys[candidates[pt]])
        order = np.lexsort((poly[inside], candidates[pt][inside]))
        return candidates[pt][inside][order], poly[inside][order]


def _build() -> AreaIndex:
    jurisdictions = list(
        Jurisdiction.objects.order_by("id").values("id", "areas_version", "boundary_wkb")
    )
    rows = list(
        Area.objects.filter(active=True)
        .order_by("jurisdiction_id", "kind", "id")
        .values_list("id", "jurisdiction_id", "kind", "code", "geometry_wkb")
    )
    polygons = np.array([wkb.loads(bytes(r[4])) for r in rows], dtype=object)
    bounded = [j for j in jurisdictions if j["boundary_wkb"]]
    boundaries = np.array([wkb.loads(bytes(j["boundary_wkb"])) for j in bounded], dtype=object)
    shapely.prepare(polygons)
    shapely.prepare(boundaries)
    return AreaIndex(
        version={j["id"]: j["areas_version"] for j in jurisdictions},
        area_ids=np.array([r[0] for r in rows], dtype=np.int64),
        area_jurisdictions=np.array([r[1] for r in rows], dtype=np.int64),
        area_kinds=[r[2] for r in rows],
        area_codes=[r[3] for r in rows],
        tree=shapely.STRtree(polygons),
        polygons=polygons,
        boundary_jurisdictions=np.array([j["id"] for j in bounded], dtype=np.int64),
        boundary_tree=shapely.STRtree(boundaries),
        boundaries=boundaries,
        unbounded_jurisdictions=frozenset(j["id"] for j in jurisdictions if not j["boundary_wkb"]),
    )


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
