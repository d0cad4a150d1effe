"""What the public may see of a runner's position: live, some minutes late, coarsened, or nothing.

Pure: the organiser's choice (`/position live|delay 30|coarse|hide`) and the positions in, the public
position (or track) out. The live page, its JSON, /progress, /today and the summaries all go
through `public_position` / `public_track`, so one setting rules every place a position shows.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.errors import UserError

# (latitude, longitude, at): `at` aware UTC.
Fix = tuple[float, float, datetime]

POSITION_USAGE = "/position live, /position delay 30 (minutes), /position coarse or /position hide"
MAX_DELAY = timedelta(hours=24)
COARSE_DEGREES = 0.1  # about 11 km of latitude: the town, not the street


class PositionMode(enum.Enum):
    LIVE = "live"
    DELAY = "delay"
    COARSE = "coarse"
    HIDE = "hide"


@dataclass(frozen=True)
class PositionPolicy:
    mode: PositionMode = PositionMode.LIVE
    delay: timedelta = timedelta(0)  # only for DELAY

    def to_text(self) -> str:
        """The stored form, the same words the organiser types: 'live', 'delay 30', 'coarse', 'hide'."""
        if self.mode is PositionMode.DELAY:
            return f"delay {int(self.delay.total_seconds() // 60)}"
        return self.mode.value

    def describe(self) -> str:
        """One line for the organiser's reply and the page."""
        match self.mode:
            case PositionMode.LIVE:
                return "The public sees the runner's latest position."
            case PositionMode.DELAY:
                return f"The public sees the runner's position {_minutes(self.delay)} late."
            case PositionMode.COARSE:
                return "The public sees the runner's position rounded to about 10 km."
            case PositionMode.HIDE:
                return "The runner's position is hidden from the public."


LIVE = PositionPolicy()

_DELAY = re.compile(r"delay\s+(?P<num>\d{1,6})\s*(?P<unit>m|min|mins|minutes?|h|hours?)?", re.IGNORECASE)


def parse_policy(text: str) -> PositionPolicy:
    """'live', 'delay 30', 'delay 45 min', 'delay 2h', 'coarse', 'hide' -> a policy; else a UserError."""
    words = " ".join(text.split()).lower()
    for mode in (PositionMode.LIVE, PositionMode.COARSE, PositionMode.HIDE):
        if words == mode.value:
            return PositionPolicy(mode)
    if not words:
        raise UserError(f"What should the public see of the runner's position? Write one of: {POSITION_USAGE}")
    if words == "delay":
        raise UserError(f"How many minutes late? Write it like: {POSITION_USAGE}")
    match = _DELAY.fullmatch(words)
    if not match:
        shown = text.strip()[:40] or "nothing"
        raise UserError(f"I could not read “{shown}” as a position setting. Write one of: {POSITION_USAGE}")
    number = int(match["num"])
    delay = timedelta(hours=number) if (match["unit"] or "m").startswith("h") else timedelta(minutes=number)
    if delay <= timedelta(0):
        return LIVE
    if delay > MAX_DELAY:
        raise UserError(f"A delay of at most {_minutes(MAX_DELAY)}, please. Write it like: {POSITION_USAGE}")
    return PositionPolicy(PositionMode.DELAY, delay)


def public_position(positions: Iterable[Fix], policy: PositionPolicy, now: datetime) -> Fix | None:
    """The position the public may see at `now`, or None.

    delay: the latest position taken at or before now - delay (an older one stays visible, so the
    page shows where the runner was, never where the runner is); coarse: rounded to 0.1 degree;
    hide: None. Positions from the future (a clock ahead) never show before their time.
    """
    if policy.mode is PositionMode.HIDE:
        return None
    cutoff = now - policy.delay if policy.mode is PositionMode.DELAY else now
    latest = max((fix for fix in positions if fix[2] <= cutoff), key=lambda fix: fix[2], default=None)
    if latest is None:
        return None
    return _coarse(latest) if policy.mode is PositionMode.COARSE else latest


def public_track(positions: Iterable[Fix], policy: PositionPolicy, now: datetime) -> list[Fix]:
    """The track the public may see, oldest first, under the same rule as `public_position`.

    Coarse: every point rounded, repeats of the same cell dropped, so the track shows the towns passed.
    """
    if policy.mode is PositionMode.HIDE:
        return []
    cutoff = now - policy.delay if policy.mode is PositionMode.DELAY else now
    track = sorted((fix for fix in positions if fix[2] <= cutoff), key=lambda fix: fix[2])
    if policy.mode is not PositionMode.COARSE:
        return track
    cells: list[Fix] = []
    for fix in map(_coarse, track):
        if cells and cells[-1][:2] == fix[:2]:
            cells[-1] = fix  # the same cell: keep its latest time
        else:
            cells.append(fix)
    return cells


def _coarse(fix: Fix) -> Fix:
    lat, lon, at = fix
    return (_round(lat), _round(lon), at)


def _round(degrees: float) -> float:
    return round(round(degrees / COARSE_DEGREES) * COARSE_DEGREES, 1)


def _minutes(delay: timedelta) -> str:
    minutes = int(delay.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} min"
