"""Files for the demo and the tests: the Unity Run's planned route as GPX, and a day's run as GPX and FIT.

Made here, deterministically, so the project ships no binary test data. The route follows the towns the
Unity Run passed (Mumbai -> Statue of Unity, Kevadia) with a gentle wiggle that brings its length to
418.3 km, the figure a road route gives. GPX is written with gpxpy; FIT with the small encoder below,
which exists only to make test data (the bot reads FIT with Garmin's FIT SDK).
"""

from __future__ import annotations

import itertools
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import gpxpy.gpx
import numpy as np

from bot.domain.geometry import EARTH_RADIUS_M, LatLon, Route, segment_lengths_m
from bot.files.activity_files import FIT_EPOCH, fit_crc

UNITY_TOWNS: tuple[tuple[str, float, float], ...] = (
    ("Mumbai", 18.9220, 72.8347),
    ("Vasai", 19.3820, 72.8320),
    ("Virar", 19.4559, 72.8114),
    ("Palghar", 19.6967, 72.7699),
    ("Dahanu", 19.9700, 72.7300),
    ("Vapi", 20.3718, 72.9045),
    ("Valsad", 20.6100, 72.9300),
    ("Navsari", 20.9467, 72.9520),
    ("Surat", 21.1702, 72.8311),
    ("Bharuch", 21.7051, 72.9959),
    ("Rajpipla", 21.8700, 73.5030),
    ("Kevadia", 21.8380, 73.7191),
)
"""The start and the towns on the way; all but Mumbai become the route file's named waypoints."""
UNITY_ROUTE_M = 418_300
DAY1_START = datetime(2021, 8, 15, 0, 30, tzinfo=UTC)  # 06:00 in Asia/Kolkata
DAY1_M = 24_000


def _wiggled(amplitude_m: float, spacing_m: float = 100.0) -> list[LatLon]:
    """The towns joined by legs that sway sideways by amplitude_m, one sway about every 10 km."""
    points: list[LatLon] = []
    for (_, lat1, lon1), (_, lat2, lon2) in itertools.pairwise(UNITY_TOWNS):
        k = math.cos(math.radians((lat1 + lat2) / 2))
        east = math.radians(lon2 - lon1) * EARTH_RADIUS_M * k
        north = math.radians(lat2 - lat1) * EARTH_RADIUS_M
        leg = math.hypot(east, north)
        steps = max(2, round(leg / spacing_m))
        waves = max(1, round(leg / 10_000))
        s = np.linspace(0.0, 1.0, steps + 1)
        side = amplitude_m * np.sin(math.pi * waves * s)
        e = s * east - side * north / leg
        n = s * north + side * east / leg
        lats = lat1 + np.degrees(n / EARTH_RADIUS_M)
        lons = lon1 + np.degrees(e / (EARTH_RADIUS_M * k))
        start = 0 if not points else 1
        points.extend((float(a), float(b)) for a, b in zip(lats[start:], lons[start:], strict=True))
    return points


def _length(points: Sequence[LatLon]) -> float:
    array = np.asarray(points)
    return float(segment_lengths_m(array[:, 0], array[:, 1]).sum())


def unity_route_points() -> list[LatLon]:
    """About 4,200 points, ~100 m apart, 418.3 km long (the sway's amplitude found by bisection)."""
    low, high = 0.0, 5_000.0
    for _ in range(40):
        middle = (low + high) / 2
        if _length(_wiggled(middle)) < UNITY_ROUTE_M:
            low = middle
        else:
            high = middle
    return _wiggled((low + high) / 2)


def unity_route() -> Route:
    return Route.from_points(unity_route_points())


def route_gpx(points: Sequence[LatLon], waypoints: Sequence[tuple[str, float, float]], name: str) -> bytes:
    """A GPX 1.1 file with the route as a track (no times) and the named waypoints."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "runalong-bot demo"
    for title, lat, lon in waypoints:
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(latitude=lat, longitude=lon, name=title))
    track = gpxpy.gpx.GPXTrack(name=name)
    segment = gpxpy.gpx.GPXTrackSegment()
    segment.points.extend(gpxpy.gpx.GPXTrackPoint(latitude=lat, longitude=lon) for lat, lon in points)
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1").encode()


def unity_route_gpx() -> bytes:
    """The Unity Run's planned route, Mumbai -> Statue of Unity, with 11 towns as waypoints."""
    return route_gpx(unity_route_points(), UNITY_TOWNS[1:], "The Unity Run: Mumbai -> Statue of Unity")


@dataclass(frozen=True)
class Sample:
    """One recorded point of an activity."""

    lat: float
    lon: float
    at: datetime
    distance_m: float
    """Metres since the start, as a watch records it."""


def run_along(
    route: Route,
    start_m: float,
    distance_m: float,
    started_at: datetime,
    *,
    pace_s_per_km: float = 390.0,
    every_s: float = 1.0,
) -> list[Sample]:
    """A run of distance_m along the route from start_m, at an even pace, one sample every every_s seconds."""
    speed = 1000.0 / pace_s_per_km
    total_s = distance_m / speed
    count = math.floor(total_s / every_s) + 1
    samples = []
    for i in range(count):
        t = min(i * every_s, total_s)
        done = speed * t
        lat, lon = route.point_at(start_m + done)
        samples.append(Sample(lat, lon, started_at + timedelta(seconds=t), done))
    if samples[-1].distance_m < distance_m:
        lat, lon = route.point_at(start_m + distance_m)
        samples.append(Sample(lat, lon, started_at + timedelta(seconds=total_s), distance_m))
    return samples


def activity_gpx(samples: Sequence[Sample], name: str = "Morning Run") -> bytes:
    """A GPX 1.1 track as a watch exports it: a time and elevation on every point."""
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "runalong-bot demo watch"
    track = gpxpy.gpx.GPXTrack(name=name)
    segment = gpxpy.gpx.GPXTrackSegment()
    segment.points.extend(
        gpxpy.gpx.GPXTrackPoint(latitude=round(s.lat, 7), longitude=round(s.lon, 7), elevation=12.0, time=s.at)
        for s in samples
    )
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml(version="1.1").encode()


# --- A minimal FIT encoder, for test data only ---------------------------------------------------------

_SEMICIRCLES = 2**31 / 180.0
_NO_POSITION = 0x7FFFFFFF


# FIT base types: (struct format, base type byte)
_ENUM, _UINT8, _UINT16, _SINT32, _UINT32, _UINT32Z = (
    ("B", 0x00),
    ("B", 0x02),
    ("H", 0x84),
    ("i", 0x85),
    ("I", 0x86),
    ("I", 0x8C),
)


class FitWriter:
    """A minimal FIT file: definitions, data messages, the header and both CRCs (the demo's files and the tests')."""

    def __init__(self) -> None:
        self._body = bytearray()
        self._formats: dict[int, struct.Struct] = {}

    def define(self, local: int, global_number: int, fields: Sequence[tuple[int, tuple[str, int]]]) -> None:
        fmt = struct.Struct("<B" + "".join(kind[0] for _, kind in fields))
        self._formats[local] = fmt
        self._body += struct.pack("<BBBHB", 0x40 | local, 0, 0, global_number, len(fields))
        for number, (code, base) in fields:
            self._body += bytes((number, struct.calcsize(code), base))

    def data(self, local: int, *values: int) -> None:
        self._body += self._formats[local].pack(local, *values)

    def raw(self, data: bytes) -> None:
        """Bytes as they are: a record with its own header (a compressed timestamp's, say)."""
        self._body += data

    def to_bytes(self) -> bytes:
        header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(self._body), b".FIT")
        header += struct.pack("<H", fit_crc(header))
        whole = header + bytes(self._body)
        return whole + struct.pack("<H", fit_crc(whole))


def fit_time(at: datetime) -> int:
    return round((at - FIT_EPOCH).total_seconds())


def activity_fit(samples: Sequence[Sample], *, with_session: bool = True, with_positions: bool = True) -> bytes:
    """A FIT activity file as a running watch writes it: file_id, a record per sample, session, activity.

    Without positions, every record's position is FIT's invalid value, as a treadmill run records it.
    """
    fit = FitWriter()
    start, end = samples[0].at, samples[-1].at
    fit.define(0, 0, [(0, _ENUM), (1, _UINT16), (2, _UINT16), (3, _UINT32Z), (4, _UINT32)])
    fit.data(0, 4, 1, 3113, 3_900_000_001, fit_time(start))  # activity file, Garmin, a Forerunner
    fit.define(1, 20, [(253, _UINT32), (0, _SINT32), (1, _SINT32), (5, _UINT32), (2, _UINT16), (3, _UINT8)])
    for s in samples:
        lat, lon = (round(s.lat * _SEMICIRCLES), round(s.lon * _SEMICIRCLES)) if with_positions else (_NO_POSITION,) * 2
        fit.data(1, fit_time(s.at), lat, lon, round(s.distance_m * 100), round((12.0 + 500) * 5), 150)
    elapsed_ms = round((end - start).total_seconds() * 1000)
    if with_session:
        fit.define(
            2,
            18,
            [
                (253, _UINT32),
                (2, _UINT32),
                (7, _UINT32),
                (8, _UINT32),
                (9, _UINT32),
                (5, _ENUM),
                (0, _ENUM),
                (1, _ENUM),
            ],
        )
        fit.data(
            2, fit_time(end), fit_time(start), elapsed_ms, elapsed_ms, round(samples[-1].distance_m * 100), 1, 8, 1
        )  # running; event session, stop
    fit.define(3, 34, [(253, _UINT32), (0, _UINT32), (1, _UINT16), (2, _ENUM), (3, _ENUM), (4, _ENUM)])
    fit.data(3, fit_time(end), elapsed_ms, 1 if with_session else 0, 0, 26, 1)  # manual; event activity, stop
    return fit.to_bytes()


def unity_day1_samples() -> list[Sample]:
    """Day 1 of the Unity Run from the watch: 24 km from Mumbai, starting 06:00 IST on 15 Aug 2021."""
    return run_along(unity_route(), 0.0, DAY1_M, DAY1_START)


def unity_day1_gpx() -> bytes:
    return activity_gpx(unity_day1_samples(), name="Unity Run day 1")


def unity_day1_fit() -> bytes:
    return activity_fit(unity_day1_samples())
