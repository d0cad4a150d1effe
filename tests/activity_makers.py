"""Small activity files made in code for the tests, one quirk at a time: GPX written as text, FIT with a minimal
encoder (like bot/demo/files.py's, with the messages the quirks need: events, laps, sessions without a distance,
records without a position). Positions run due north from LAT0, LON0, so a track of N metres is N metres long."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.demo.files import FitWriter, fit_time
from bot.domain.geometry import EARTH_RADIUS_M

START = datetime(2021, 8, 15, 0, 30, tzinfo=UTC)  # 06:00 in India, day 1 of the Unity Run
LAT0, LON0 = 19.0, 72.8
NORTH_PER_M = 180 / (math.pi * EARTH_RADIUS_M)  # degrees of latitude per metre


@dataclass(frozen=True)
class Point:
    lat: float | None
    """None: no position (FIT's invalid value; GPX has no such point)."""
    lon: float | None
    at: datetime | None
    """None: no time (GPX only)."""
    distance_m: float | None = None
    """A FIT record's running distance, as the device counts it; None: not written."""


def north(metres: float) -> tuple[float, float]:
    return LAT0 + metres * NORTH_PER_M, LON0


def run(
    metres: float, start: datetime = START, *, from_m: float = 0.0, speed: float = 2.5, every_s: float = 5.0
) -> list[Point]:
    """A run due north from `from_m` for `metres`, at `speed` m/s, a point every `every_s` seconds (and one at
    the end); each point's running distance counts from 0."""
    steps = math.ceil(metres / (speed * every_s))
    points = []
    for i in range(steps + 1):
        done = min(i * speed * every_s, metres)
        lat, lon = north(from_m + done)
        points.append(Point(lat, lon, start + timedelta(seconds=done / speed), done))
    return points


def end(points: Sequence[Point]) -> datetime:
    """The time of the last point."""
    last = points[-1].at
    assert last is not None
    return last


def untimed(points: Sequence[Point]) -> list[Point]:
    return [Point(p.lat, p.lon, None) for p in points]


# --- GPX ---------------------------------------------------------------------------------------------------

GPX_HEAD = '<?xml version="1.0" encoding="UTF-8"?><gpx version="1.1" creator="tests" xmlns="http://www.topografix.com/GPX/1/1">'
EXTENSION = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"


def _gpx_point(p: Point, declare_on_points: bool) -> str:
    time = f"<time>{p.at.isoformat().replace('+00:00', 'Z')}</time>" if p.at else ""
    extension = ""
    if declare_on_points:  # as Suunto's Movescount export writes every point
        extension = (
            f'<extensions><gpxtpx:TrackPointExtension xmlns:gpxtpx="{EXTENSION}"><gpxtpx:hr>140</gpxtpx:hr>'
            "</gpxtpx:TrackPointExtension></extensions>"
        )
    return f'<trkpt lat="{p.lat}" lon="{p.lon}"><ele>12.0</ele>{time}{extension}</trkpt>'


def gpx(*tracks: Sequence[Sequence[Point]], declare_on_points: bool = False, waypoints: str = "") -> bytes:
    """A GPX file: each track a list of segments, each segment a list of points."""
    body = "".join(
        "<trk>"
        + "".join("<trkseg>" + "".join(_gpx_point(p, declare_on_points) for p in seg) + "</trkseg>" for seg in track)
        + "</trk>"
        for track in tracks
    )
    return (GPX_HEAD + waypoints + body + "</gpx>").encode()


# --- FIT ---------------------------------------------------------------------------------------------------

_SEMICIRCLES = 2**31 / 180.0
_INVALID_SINT32 = 0x7FFFFFFF
_INVALID_UINT32 = 0xFFFFFFFF
_ENUM, _UINT16, _SINT32, _UINT32, _UINT32Z = ("B", 0x00), ("H", 0x84), ("i", 0x85), ("I", 0x86), ("I", 0x8C)
TIMER_START, TIMER_STOP_ALL = 0, 4


def _cm(metres: float | None) -> int:
    return _INVALID_UINT32 if metres is None else round(metres * 100)


@dataclass(frozen=True)
class Total:
    """A FIT session or lap: its start, elapsed seconds and distance (None: not written)."""

    start: datetime
    elapsed_s: float
    distance_m: float | None


def fit(
    points: Sequence[Point],
    *,
    sessions: Sequence[Total] = (),
    laps: Sequence[Total] = (),
    pauses: Sequence[tuple[datetime, datetime]] = (),
) -> bytes:
    """A FIT activity: file_id, timer events (a start, a stop and start for each pause, a stop), the records,
    the laps, the sessions. Every point needs a time; one without a position is written with FIT's invalid
    value, as a watch writes a record before it has a fix."""
    w = FitWriter()
    w.define(0, 0, [(0, _ENUM), (1, _UINT16), (2, _UINT16), (3, _UINT32Z), (4, _UINT32)])
    w.data(0, 4, 1, 3113, 3_900_000_001, fit_time(points[0].at or START))
    w.define(1, 21, [(253, _UINT32), (0, _ENUM), (1, _ENUM)])
    w.define(2, 20, [(253, _UINT32), (0, _SINT32), (1, _SINT32), (5, _UINT32)])
    events = [(points[0].at, TIMER_START)] + [
        e for stop, go in pauses for e in ((stop, TIMER_STOP_ALL), (go, TIMER_START))
    ]
    events.append((points[-1].at, TIMER_STOP_ALL))
    records = iter(points)
    pending = next(records, None)
    for at, kind in events:  # events and records in time order, as a watch writes them
        while pending is not None and pending.at is not None and at is not None and pending.at < at:
            _record(w, pending)
            pending = next(records, None)
        w.data(1, fit_time(at or START), 0, kind)
    while pending is not None:
        _record(w, pending)
        pending = next(records, None)
    totals = [(19, 3, t) for t in laps] + [(18, 4, t) for t in sessions]
    for number, local, total in totals:
        w.define(
            local,
            number,
            [(253, _UINT32), (2, _UINT32), (7, _UINT32), (8, _UINT32), (9, _UINT32), (0, _ENUM), (1, _ENUM)],
        )
        end = total.start + timedelta(seconds=total.elapsed_s)
        elapsed_ms = round(total.elapsed_s * 1000)
        w.data(local, fit_time(end), fit_time(total.start), elapsed_ms, elapsed_ms, _cm(total.distance_m), 9, 1)
    return w.to_bytes()


def _record(w: FitWriter, p: Point) -> None:
    if p.lat is None or p.lon is None:
        lat = lon = _INVALID_SINT32
    else:
        lat, lon = round(p.lat * _SEMICIRCLES), round(p.lon * _SEMICIRCLES)
    w.data(2, fit_time(p.at or START), lat, lon, _cm(p.distance_m))
