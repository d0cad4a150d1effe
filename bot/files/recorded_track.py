"""The length of a recorded track as the watch that recorded it counts it: pure, numpy.

The sum of the great-circle lines between consecutive points, but
- not of points written before the GPS had a fix (at 0,0, or out of range: FIT's "invalid" values),
- not of points without a time when others have one (a course the watch followed, beside the recording),
- not of a few points far off the rest of the track (reached and left at an impossible speed: outliers),
and no line
- between two track segments (GPX <trkseg>, or two FIT files chained),
- across a pause: the device's own (a FIT timer stop, then start), or a gap of a minute or more in time with
  a jump in space, crossed slower than half the activity's usual speed (or ten minutes or more long): the
  watch was paused while its wearer moved on, so it counted none of it,
- at an impossible speed between two long stretches of the track (a jump of the GPS).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.domain.geometry import FloatArray, LatLon, segment_lengths_m

JUMP_M = 100.0
"""A line at least this long, at more than MAX_SPEED_M_S, is a jump of the GPS, not a move."""
MAX_SPEED_M_S = 50.0
"""180 km/h: faster than anyone runs or rides."""
OUTLIER_MAX_POINTS = 5
"""At most this many points reached and left by jumps are outliers, left out."""
PAUSE_GAP_S = 60.0
"""A gap in time this long (or five times the usual interval between points) may be a pause..."""
PAUSE_JUMP_M = 100.0
"""... when the points on either side are at least this far apart..."""
PAUSE_SLOWER = 0.5
"""... and the gap is crossed slower than this share of the activity's usual speed (else the watch lost the
signal while its wearer went on at their pace: the line stands for what they did)..."""
LONG_PAUSE_S = 600.0
"""... or the gap lasts this long (or twenty times the usual interval): nobody loses the signal that long."""


@dataclass(frozen=True)
class MeasuredTrack:
    """What counts of a recorded track, and what was left out of it."""

    points: list[LatLon]
    """The points kept, in the file's order (not simplified)."""
    length_m: float
    no_fix: int = 0
    """Points left out as written before the GPS had a fix (0,0 or FIT's invalid values)."""
    untimed: int = 0
    """Points without a time left out, beside timed ones."""
    outliers: int = 0
    """Points left out as far off the rest of the track."""
    pauses: int = 0
    pauses_m: float = 0.0
    """Straight lines across pauses, not counted, and their length."""
    gaps: int = 0
    gaps_m: float = 0.0
    """Lines between track segments, not counted, and their length."""
    jumps: int = 0
    jumps_m: float = 0.0
    """Lines at an impossible speed between two long stretches, not counted, and their length."""


BoolArray = npt.NDArray[np.bool_]


def _jumps(lengths: FloatArray, seconds: FloatArray) -> BoolArray:
    with np.errstate(invalid="ignore"):
        return (lengths >= JUMP_M) & ((seconds <= 0) | (lengths > MAX_SPEED_M_S * seconds))


def _merged(pauses: Sequence[tuple[float, float]]) -> tuple[FloatArray, FloatArray]:
    """The pauses sorted and merged where they overlap: (starts, ends)."""
    starts: list[float] = []
    ends: list[float] = []
    for start, end in sorted(p for p in pauses if p[1] > p[0]):
        if ends and start <= ends[-1]:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return np.asarray(starts, dtype=np.float64), np.asarray(ends, dtype=np.float64)


def _across_pauses(times: FloatArray, pauses: Sequence[tuple[float, float]]) -> BoolArray:
    """For each line between consecutive points: does it overlap one of the device's pauses?"""
    starts, ends = _merged(pauses)
    if not len(starts) or len(times) < 2:
        return np.zeros(max(len(times) - 1, 0), dtype=bool)
    before, after = times[:-1], times[1:]
    last = np.searchsorted(starts, after, side="left") - 1  # the last pause that starts before the line ends
    with np.errstate(invalid="ignore"):
        return (last >= 0) & (ends[np.maximum(last, 0)] > before)


def _usual(values: FloatArray) -> float:
    return float(np.median(values)) if len(values) else 0.0


def measure(
    lats: Sequence[float] | FloatArray,
    lons: Sequence[float] | FloatArray,
    times: Sequence[float] | FloatArray,
    segments: Sequence[int] | npt.NDArray[np.int64],
    pauses: Sequence[tuple[float, float]] = (),
) -> MeasuredTrack:
    """The track's length by the rules above. `times` in seconds (NaN: no time), `segments` a number per point
    (a change starts a new segment), `pauses` the device's own as (stop, start) in the same seconds."""
    lat = np.asarray(lats, dtype=np.float64)
    lon = np.asarray(lons, dtype=np.float64)
    t = np.asarray(times, dtype=np.float64)
    seg = np.asarray(segments, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        fixed = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    fixed &= ~((lat == 0) & (lon == 0))
    no_fix = int(np.count_nonzero(~fixed))
    timed = np.isfinite(t)
    keep = fixed & timed if bool((fixed & timed).any()) else fixed
    untimed = int(np.count_nonzero(fixed & ~keep))
    lat, lon, t, seg = lat[keep], lon[keep], t[keep], seg[keep]

    outliers = 0
    if len(lat) >= 3:
        jump = _jumps(segment_lengths_m(lat, lon), np.diff(t))
        if jump.any():
            stretch = np.concatenate(([0], np.cumsum(jump)))
            sizes = np.bincount(stretch)
            short = sizes <= OUTLIER_MAX_POINTS
            short[int(np.argmax(sizes))] = False
            drop = short[stretch]
            outliers = int(np.count_nonzero(drop))
            lat, lon, t, seg = lat[~drop], lon[~drop], t[~drop], seg[~drop]

    points = list(zip(lat.tolist(), lon.tolist(), strict=True))
    if len(lat) < 2:
        return MeasuredTrack(points, 0.0, no_fix, untimed, outliers)
    lengths = segment_lengths_m(lat, lon)
    seconds = np.diff(t)
    gap = seg[1:] != seg[:-1]
    moving = seconds > 0
    usual_speed = _usual(lengths[moving] / seconds[moving])
    usual_s = _usual(seconds[moving])
    with np.errstate(invalid="ignore"):
        long_gap = seconds >= max(PAUSE_GAP_S, 5 * usual_s)
        very_long = seconds >= max(LONG_PAUSE_S, 20 * usual_s)
        slow = lengths < PAUSE_SLOWER * usual_speed * seconds
    paused = ~gap & (_across_pauses(t, pauses) | (long_gap & (lengths >= PAUSE_JUMP_M) & (very_long | slow)))
    jumped = ~gap & ~paused & _jumps(lengths, seconds)
    counted = ~(gap | paused | jumped)
    return MeasuredTrack(
        points=points,
        length_m=float(lengths[counted].sum()),
        no_fix=no_fix,
        untimed=untimed,
        outliers=outliers,
        pauses=int(np.count_nonzero(paused)),
        pauses_m=float(lengths[paused].sum()),
        gaps=int(np.count_nonzero(gap)),
        gaps_m=float(lengths[gap].sum()),
        jumps=int(np.count_nonzero(jumped)),
        jumps_m=float(lengths[jumped].sum()),
    )
