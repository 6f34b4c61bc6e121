"""Point → grid, answered from an STRtree of the grid polygons built once per process.

Rebuilt when a write to the grids bumps the version in the shared cache (checked at most once a
second, so a lookup costs no round trip to Redis).
"""

import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from django.core.cache import cache

from huizhi.places.kinds import PlaceKind

_VERSION_KEY = "places:grid-index-version"
_CHECK_EVERY_SECONDS = 1.0


@dataclass
class GridIndex:
    codes: list[str]
    ids: list[int]
    tree: shapely.STRtree

    @classmethod
    def build(cls, grids: list[tuple[int, str, dict]]) -> "GridIndex":
        """From (id, code, GeoJSON polygon) rows, sorted by code so ties resolve the same way."""
        grids = sorted(grids, key=lambda row: row[1])
        polygons = [shapely.geometry.shape(boundary) for _id, _code, boundary in grids]
        shapely.prepare(polygons)
        return cls(
            codes=[row[1] for row in grids], ids=[row[0] for row in grids], tree=shapely.STRtree(polygons)
        )

    def lookup(self, lon: float, lat: float) -> int | None:
        """The id of the grid containing the point (the lowest code when it lies on a shared edge)."""
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return self.ids[int(np.min(hits))]


_lock = threading.Lock()
_state: dict = {"index": None, "version": None, "checked_at": 0.0}


def _load() -> GridIndex:
    from huizhi.places.models import Place

    rows = Place.objects.filter(kind=PlaceKind.GRID, boundary__isnull=False).values_list(
        "id", "code", "boundary"
    )
    return GridIndex.build(list(rows))


def current_index() -> GridIndex:
    now = time.monotonic()
    if _state["index"] is not None and now - _state["checked_at"] < _CHECK_EVERY_SECONDS:
        return _state["index"]
    with _lock:
        version = cache.get(_VERSION_KEY, 0)
        if _state["index"] is None or version != _state["version"]:
            _state["index"] = _load()
            _state["version"] = version
        _state["checked_at"] = now
        return _state["index"]


def invalidate() -> None:
    """Call after any change to grid boundaries: every process rebuilds on its next lookup."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, timeout=None)
    with _lock:
        _state["index"] = None
