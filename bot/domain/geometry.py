"""Route geometry: length, simplification, placing a position on the route and among its checkpoints.

Pure: no I/O (reading a route file is bot.files.route_files), no words (those are bot.replies).
Points are (lat, lon) in degrees; distances are metres (integers where they leave this module).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

LatLon = tuple[float, float]
FloatArray = npt.NDArray[np.float64]

EARTH_RADIUS_M = 6_371_008.8
ROUTE_MAX_POINTS = 5_000
"""A stored route keeps at most this many points: ~80 m apart on 418 km, and placing stays well under 1 ms."""
OFF_ROUTE_M = 1_000
"""Farther than this from the route, a position is "off the route" (GPS error and parallel roads stay under it)."""
AT_CHECKPOINT_M = 500
"""Closer than this to a checkpoint's km, a position is "at" it."""


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def segment_lengths_m(lats: FloatArray, lons: FloatArray) -> FloatArray:
    """Haversine length of each segment between consecutive points (one fewer than the points)."""
    p = np.radians(lats)
    dp = np.diff(p)
    dl = np.radians(np.diff(lons))
    a = np.sin(dp / 2) ** 2 + np.cos(p[:-1]) * np.cos(p[1:]) * np.sin(dl / 2) ** 2
    result: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    return result


def track_length_m(points: Sequence[LatLon]) -> float:
    """Sum of the haversine lengths of the segments of a track."""
    if len(points) < 2:
        return 0.0
    array = np.asarray(points, dtype=np.float64)
    return float(segment_lengths_m(array[:, 0], array[:, 1]).sum())


def _plane(lats: FloatArray, lons: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Metres on a local equirectangular plane: a few % off over hundreds of km, enough to pick points."""
    k = math.cos(math.radians(float(lats.mean())))
    return np.radians(lons) * EARTH_RADIUS_M * k, np.radians(lats) * EARTH_RADIUS_M


def _farthest(x: FloatArray, y: FloatArray, start: int, end: int) -> tuple[float, int]:
    """The point strictly between start and end farthest from the segment start-end: (distance, index)."""
    if end - start < 2:
        return 0.0, start
    px, py = x[start + 1 : end], y[start + 1 : end]
    ax, ay, bx, by = x[start], y[start], x[end], y[end]
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 == 0.0:
        d2 = (px - ax) ** 2 + (py - ay) ** 2
    else:
        t = np.clip(((px - ax) * dx + (py - ay) * dy) / length2, 0.0, 1.0)
        d2 = (px - (ax + t * dx)) ** 2 + (py - (ay + t * dy)) ** 2
    i = int(np.argmax(d2))
    return math.sqrt(float(d2[i])), start + 1 + i


def simplify(points: Sequence[LatLon], max_points: int, tolerance_m: float = 1.0) -> tuple[LatLon, ...]:
    """At most max_points of the track, first and last kept, chosen by Douglas-Peucker.

    The point farthest from the simplified line is added first, until max_points are kept or no point is
    farther than tolerance_m. A very long track is first thinned to every k-th point (ten times the cap),
    so the work stays bounded whatever the file's shape.
    """
    if max_points < 2:
        raise ValueError("max_points must be at least 2")
    n = len(points)
    if n <= 2:
        return tuple(points)
    array = np.asarray(points, dtype=np.float64)
    if n > 10 * max_points:
        stride = math.ceil(n / (10 * max_points))
        keep = np.arange(0, n, stride)
        if keep[-1] != n - 1:
            keep = np.append(keep, n - 1)
        array = array[keep]
        n = len(array)
    x, y = _plane(array[:, 0], array[:, 1])
    kept = {0, n - 1}
    heap: list[tuple[float, int, int, int]] = []

    def push(start: int, end: int) -> None:
        distance, index = _farthest(x, y, start, end)
        if distance > tolerance_m:
            heapq.heappush(heap, (-distance, index, start, end))

    push(0, n - 1)
    while heap and len(kept) < max_points:
        _, index, start, end = heapq.heappop(heap)
        kept.add(index)
        push(start, index)
        push(index, end)
    return tuple((float(array[i, 0]), float(array[i, 1])) for i in sorted(kept))


@dataclass(frozen=True)
class Placement:
    """Where a position falls: metres along the route to the nearest point on it, and metres away from it."""

    along_m: int
    off_route_m: int

    @property
    def on_route(self) -> bool:
        return self.off_route_m <= OFF_ROUTE_M


@dataclass(frozen=True)
class Route:
    """A route's points, the metres along it at each point, and its length."""

    points: tuple[LatLon, ...]
    cumulative_m: tuple[float, ...]
    length_m: int
    _lats: FloatArray = field(repr=False, compare=False)
    _lons: FloatArray = field(repr=False, compare=False)
    _seg_m: FloatArray = field(repr=False, compare=False)
    _cum: FloatArray = field(repr=False, compare=False)
    _k: FloatArray = field(repr=False, compare=False)
    """cos(latitude) at each segment's start: its plane's scale east-west."""
    _bx: FloatArray = field(repr=False, compare=False)
    _by: FloatArray = field(repr=False, compare=False)
    _length2: FloatArray = field(repr=False, compare=False)

    @classmethod
    def from_points(cls, points: Sequence[LatLon]) -> Route:
        if len(points) < 2:
            raise ValueError("a route needs at least two points")
        array = np.asarray(points, dtype=np.float64)
        lats, lons = array[:, 0].copy(), array[:, 1].copy()
        seg = segment_lengths_m(lats, lons)
        cum = np.concatenate(([0.0], np.cumsum(seg)))
        k = np.cos(np.radians(lats[:-1]))
        bx = (lons[1:] - lons[:-1]) * k
        by = lats[1:] - lats[:-1]
        return cls(
            points=tuple((float(a), float(b)) for a, b in array),
            cumulative_m=tuple(float(c) for c in cum),
            length_m=round(float(cum[-1])),
            _lats=lats,
            _lons=lons,
            _seg_m=seg,
            _cum=cum,
            _k=k,
            _bx=bx,
            _by=by,
            _length2=bx * bx + by * by,
        )

    def point_at(self, along_m: float) -> LatLon:
        """The point at along_m metres from the start (clamped to the route)."""
        along = min(max(along_m, 0.0), float(self._cum[-1]))
        i = int(np.searchsorted(self._cum, along, side="right")) - 1
        i = min(max(i, 0), len(self._seg_m) - 1)
        seg = float(self._seg_m[i])
        t = 0.0 if seg == 0.0 else (along - float(self._cum[i])) / seg
        t = min(max(t, 0.0), 1.0)
        lat = float(self._lats[i]) + t * float(self._lats[i + 1] - self._lats[i])
        lon = float(self._lons[i]) + t * float(self._lons[i + 1] - self._lons[i])
        return lat, lon


def place(route: Route, lat: float, lon: float) -> Placement:
    """The nearest point of the route to (lat, lon): its metres along the route and the distance to it.

    Each segment is measured on a plane local to its own start (longitudes scaled by the cosine of its
    latitude), so nearness is right to well under 1% anywhere on a route of any length; the distances
    returned are great-circle ones.
    """
    lats, lons, bx, by, length2 = route._lats, route._lons, route._bx, route._by, route._length2
    px = (lon - lons[:-1]) * route._k
    py = lat - lats[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(length2 > 0.0, (px * bx + py * by) / length2, 0.0)
    t = np.clip(t, 0.0, 1.0)
    d2 = (px - t * bx) ** 2 + (py - t * by) ** 2
    i = int(np.argmin(d2))
    ti = float(t[i])
    foot_lat = float(lats[i]) + ti * float(by[i])
    foot_lon = float(lons[i]) + ti * float(lons[i + 1] - lons[i])
    along = float(route._cum[i]) + ti * float(route._seg_m[i])
    return Placement(along_m=round(along), off_route_m=round(haversine_m(lat, lon, foot_lat, foot_lon)))


@dataclass(frozen=True)
class Checkpoint:
    """A named place on the route, at along_m metres from the start."""

    name: str
    along_m: int


@dataclass(frozen=True)
class Nearby:
    """A place on the route among its checkpoints: what 'near km 182, 8 km before Vapi' says, as values."""

    along_m: int
    off_route_m: int | None = None
    """How far off the route, when farther than OFF_ROUTE_M; None on the route."""
    at: str | None = None
    """The checkpoint within AT_CHECKPOINT_M, if any."""
    before: tuple[str, int] | None = None
    """The next checkpoint and the metres to it."""
    past: tuple[str, int] | None = None
    """With no checkpoint ahead: the last one and the metres past it."""


def nearby(placement: Placement, checkpoints: Sequence[Checkpoint]) -> Nearby:
    """Where `placement` stands among `checkpoints`: at one, before the next, or past the last."""
    if not placement.on_route:
        return Nearby(placement.along_m, off_route_m=placement.off_route_m)
    ordered = sorted(checkpoints, key=lambda c: c.along_m)
    at = [c for c in ordered if abs(c.along_m - placement.along_m) <= AT_CHECKPOINT_M]
    if at:
        return Nearby(placement.along_m, at=at[0].name)
    ahead = [c for c in ordered if c.along_m > placement.along_m]
    if ahead:
        return Nearby(placement.along_m, before=(ahead[0].name, ahead[0].along_m - placement.along_m))
    if ordered:
        return Nearby(placement.along_m, past=(ordered[-1].name, placement.along_m - ordered[-1].along_m))
    return Nearby(placement.along_m)
