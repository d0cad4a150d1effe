"""Pure figures of a run against its route: the next checkpoint, ETAs at the current pace, and whether
an activity file's distance is believable."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

MAX_ACTIVITY_M = 300_000
"""More than a runner covers in a day (the /update limit)."""
MAX_ACTIVITY_SPEED_M_S = 25 / 3.6
"""Faster than this on average (25 km/h, a marathon in 1 h 41 min) was not run on foot."""
MIN_ACTIVITY_M = 100


@dataclass(frozen=True)
class Mark:
    """A checkpoint as the figures see it."""

    name: str
    at_m: int
    passed_on: date | None


def eta(at_m: int, average_m_per_day: int | None, start: date, today: date) -> date | None:
    """The day the route reaches at_m at the average so far (never before today); None without a pace."""
    if not average_m_per_day:
        return None
    day = start + timedelta(days=math.ceil(at_m / average_m_per_day) - 1)
    return max(day, today)


def next_mark(marks: Sequence[Mark], covered_m: int) -> Mark | None:
    """The first checkpoint the route has not reached."""
    ahead = [m for m in marks if m.at_m > covered_m and m.passed_on is None]
    return min(ahead, key=lambda m: m.at_m) if ahead else None


def day_number(day: date, start: date) -> int:
    return (day - start).days + 1


def implausible(distance_m: int, duration_s: float) -> str | None:
    """Why an activity's distance cannot be a day's run, or None when it can."""
    if distance_m > MAX_ACTIVITY_M:
        return f"over {MAX_ACTIVITY_M // 1000} km in one activity"
    if distance_m < MIN_ACTIVITY_M:
        return f"under {MIN_ACTIVITY_M} m"
    if duration_s <= 0 or distance_m / duration_s > MAX_ACTIVITY_SPEED_M_S:
        return "faster than anyone runs (a ride in a car or on a bike?)"
    return None


def duration_text(seconds: float) -> str:
    """5 h 12 min, 48 min, 5 h."""
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"
