"""What the public may see of where a runner is: the organiser's `/position live|delay 30|coarse|hide`.

Pure: the organiser's choice, the clock and the figures in; the public figures out. "The public" is
anyone: a follower, a member of a subscribed group, whoever reads the live page or its JSON. Each
service makes its public figures through one `PublicView` (bot.services.public), so every public
output keeps the same promise: the page's JSON (run, progress, days, companions, route, checkpoints,
track, position, updates), /progress, /today, /checkpoints, /chart, the daily summaries and the news
the outbox sends (a follower's news, milestones, checkpoints passed).

What each policy promises:

- **live**: everything exact and current: the km, the route, the track, the latest position.
- **delay D** (at most 24 hours): nothing public places the runner more recently than now - D. Every
  public figure is computed as of now - D (the minute, so one view serves everyone within it): only
  updates posted at or before then count, a corrected one from its correction (the km covered, each
  day's km, the updates listed, /today's updates, the stage and the pace), and the position and the
  track are the ones taken by then. The news an update causes (followers, milestones, checkpoints) goes
  out D after the update, not before; a milestone or checkpoint an /undo gives back before then is taken
  back unsent. The page's version changes only when what it shows changes, so not even that tells of a
  newer write.
- **coarse**: nothing public places the runner more precisely than about 10 km. The position and the
  track are rounded to 0.1 degree (about 11 km), and they move an hour at a time with their times
  rounded down to the hour (else the moment the rounded cell changes would say when the runner crossed
  its edge). Every km along the route is rounded down to 10 km: the km covered (remaining and percent
  follow), "near km", the km to the next checkpoint, the route so far in the news; milestones and
  checkpoints count as passed once the rounded figure passes them. A day's km is the difference of the
  rounded totals, so no sum of them is finer. Each update's own km are not published (notes and photos
  are). Companions' km are rounded the same way. The full distance shows once it is covered.
- **hide**: the public cannot follow the runner along the route: no position, no track, no route, no
  checkpoints (neither their km nor where they are nor the days they were passed), no "near km" or next
  checkpoint, no checkpoint news. What stays public: the km covered and each day's km (and what follows
  from them: remaining, percent, pace, the milestones at 25/50/75/100%), the updates with their km,
  notes and photos. Without a published route a figure places no one, but someone who knows the road
  from the start to the finish could walk it to the km.

Under every policy the runners' notes and photos are public as they wrote them: a landmark in a photo
says where it is.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.domain.errors import UserError

# (latitude, longitude, at): `at` aware UTC.
Fix = tuple[float, float, datetime]

POSITION_USAGE = "/position live, /position delay 30 (minutes), /position coarse or /position hide"
MAX_DELAY = timedelta(hours=24)
COARSE_DEGREES = 0.1  # about 11 km of latitude: the town, not the street
COARSE_STEP_M = 10_000  # km along the route, rounded down to this under coarse
COARSE_TIME = timedelta(hours=1)  # a coarse position moves at most this often, its time rounded down to it
DELAY_TIME = timedelta(minutes=1)  # a delayed view moves a minute at a time


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
                return f"The public sees the runner's position {delay_text(self.delay)} late."
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
        shown = text.strip()[:40]
        raise UserError(f"I could not read “{shown}” as a position setting. Write one of: {POSITION_USAGE}")
    number = int(match["num"])
    delay = timedelta(hours=number) if (match["unit"] or "").startswith("h") else timedelta(minutes=number)
    if delay <= timedelta(0):
        return LIVE
    if delay > MAX_DELAY:
        raise UserError(f"A delay of at most {delay_text(MAX_DELAY)}, please. Write it like: {POSITION_USAGE}")
    return PositionPolicy(PositionMode.DELAY, delay)


def floor_time(at: datetime, step: timedelta) -> datetime:
    """`at` rounded down to a whole `step` (UTC): 13:47:12 to the hour is 13:00:00."""
    seconds = step.total_seconds()
    return datetime.fromtimestamp(math.floor(at.timestamp() / seconds) * seconds, UTC)


def _cutoff(policy: PositionPolicy, now: datetime) -> datetime:
    """The latest moment whose positions the public may see at `now`."""
    if policy.mode is PositionMode.DELAY:
        return now - policy.delay
    if policy.mode is PositionMode.COARSE:
        return floor_time(now, COARSE_TIME)
    return now


def public_position(positions: Iterable[Fix], policy: PositionPolicy, now: datetime) -> Fix | None:
    """The position the public may see at `now`, or None.

    delay: the latest position taken at or before now - delay (an older one stays visible, so the
    page shows where the runner was, never where the runner is); coarse: the latest one taken by the
    last whole hour, rounded to 0.1 degree, its time rounded down to the hour; hide: None. Positions
    from the future (a clock ahead) never show before their time.
    """
    if policy.mode is PositionMode.HIDE:
        return None
    cutoff = _cutoff(policy, now)
    latest = max((fix for fix in positions if fix[2] <= cutoff), key=lambda fix: fix[2], default=None)
    if latest is None:
        return None
    return _coarse(latest) if policy.mode is PositionMode.COARSE else latest


def public_track(positions: Iterable[Fix], policy: PositionPolicy, now: datetime) -> list[Fix]:
    """The track the public may see, oldest first, under the same rule as `public_position`.

    Coarse: every point rounded (its time to the hour), repeats of the same cell dropped, so the track
    shows the towns passed and, to the hour, when.
    """
    if policy.mode is PositionMode.HIDE:
        return []
    cutoff = _cutoff(policy, now)
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


@dataclass(frozen=True)
class PublicView:
    """The rules every public figure follows at one moment, under one policy (see the module's docstring).

    Make it with `PublicView.of(policy, now)`: under a delay its `now` is the minute, so everyone reading
    within that minute reads the same figures."""

    policy: PositionPolicy
    now: datetime

    @classmethod
    def of(cls, policy: PositionPolicy, now: datetime) -> PublicView:
        return cls(policy, floor_time(now, DELAY_TIME) if policy.mode is PositionMode.DELAY else now)

    @property
    def mode(self) -> PositionMode:
        return self.policy.mode

    @property
    def until(self) -> datetime | None:
        """Only what was posted at or before this counts; None: all that was posted."""
        return self.now - self.policy.delay if self.mode is PositionMode.DELAY else None

    @property
    def as_of(self) -> datetime:
        """The moment the public figures describe: their 'today' is its day."""
        return self.until or self.now

    @property
    def positions_until(self) -> datetime:
        """The latest moment whose positions (and track) the public may see."""
        return _cutoff(self.policy, self.now)

    @property
    def bucket(self) -> datetime | None:
        """What the view depends on besides the stored data and the day: under a delay the minute, under
        coarse the hour; None when only a write changes it. For cache keys, with the policy."""
        if self.mode is PositionMode.DELAY:
            return self.now
        if self.mode is PositionMode.COARSE:
            return floor_time(self.now, COARSE_TIME)
        return None

    @property
    def cache_key(self) -> tuple[str, datetime | None]:
        return self.policy.to_text(), self.bucket

    @property
    def step_m(self) -> int:
        """Km along the route are published rounded down to a multiple of this."""
        return COARSE_STEP_M if self.mode is PositionMode.COARSE else 1

    @property
    def route_shown(self) -> bool:
        """The route, the checkpoints, "near km", the next checkpoint, checkpoint news: not under hide."""
        return self.mode is not PositionMode.HIDE

    @property
    def update_km_shown(self) -> bool:
        """Each update's own km: not under coarse (summed from the start, they would give the exact km)."""
        return self.mode is not PositionMode.COARSE

    def counts(self, at: datetime) -> bool:
        """Whether something posted at `at` is public yet."""
        return self.until is None or at <= self.until

    def along(self, metres: int, distance_m: int | None = None) -> int:
        """A km figure as published: under coarse rounded down to 10 km, except that a run's full
        `distance_m`, once covered, shows as covered (the finish is no secret)."""
        rounded = metres // self.step_m * self.step_m
        if distance_m is not None and metres >= distance_m:
            return max(rounded, distance_m)
        return rounded

    def day_figures(self, day_m: Sequence[int], distance_m: int | None = None) -> list[int]:
        """Each day's km as published: the differences of the published running totals, so that no sum of
        them is finer than the total itself."""
        shown, total, before = [], 0, 0
        for metres in day_m:
            total += metres
            now = self.along(total, distance_m)
            shown.append(now - before)
            before = now
        return shown

    def news_not_before(self, at: datetime) -> datetime | None:
        """When the news of something that happened at `at` may go out: under a delay `at` + the delay."""
        return at + self.policy.delay if self.mode is PositionMode.DELAY else None

    def position(self, positions: Iterable[Fix]) -> Fix | None:
        return public_position(positions, self.policy, self.now)

    def track(self, positions: Iterable[Fix]) -> list[Fix]:
        return public_track(positions, self.policy, self.now)


def _coarse(fix: Fix) -> Fix:
    lat, lon, at = fix
    return (_round(lat), _round(lon), floor_time(at, COARSE_TIME))


def _round(degrees: float) -> float:
    return round(round(degrees / COARSE_DEGREES) * COARSE_DEGREES, 1)


def delay_text(delay: timedelta) -> str:
    """'30 min', '1 hour', '5 hours'."""
    minutes = int(delay.total_seconds() // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} min"
