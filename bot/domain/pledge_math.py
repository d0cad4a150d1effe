"""Pure arithmetic of pledges: shares of the run, rounding to what is shown, pace and ranks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

STEP_M = 100  # km are shown to 0.1 km: a pledge is stored as it is shown
MIN_PLEDGE_M = 100
MAX_PLEDGE_RUNS = 10  # a pledge is at most ten times the run's distance
DEFAULT_PERCENT = Decimal(5)  # the runner's call: at least 5% of his distance


def to_shown(metres: Decimal | int) -> int:
    """Round to the 0.1 km the bot shows (half up): 12480 -> 12500, 20850 -> 20900."""
    return int((Decimal(metres) / STEP_M).quantize(Decimal(1), rounding=ROUND_HALF_UP)) * STEP_M


def share_metres(distance_m: int, percent: Decimal) -> int:
    """`percent`% of the run, as shown: 5% of 416 km -> 20800."""
    return to_shown(Decimal(distance_m) * percent / 100)


def max_pledge_m(distance_m: int) -> int:
    return distance_m * MAX_PLEDGE_RUNS


def days_total(start: date, end: date) -> int:
    return (end - start).days + 1


def days_left(today: date, start: date, end: date) -> int:
    """Days still to walk, today included: 8 on day 1 of 8 (or before the start), 0 after the end."""
    return max((end - max(today, start)).days + 1, 0)


def days_done(day: date, start: date, end: date) -> int:
    """Days of the run over by the end of `day`: 0 before the start, at most all of them."""
    return min(max((day - start).days + 1, 0), days_total(start, end))


def per_day(remaining_m: int, days: int) -> int | None:
    """Metres a day that finish `remaining_m` in `days`, rounded up to what is shown; None if no day is left."""
    if days <= 0:
        return None
    return math.ceil(remaining_m / days / STEP_M) * STEP_M


def behind_m(pledged_m: int, logged_m: int, days_done: int, days_total: int) -> int:
    """How far `logged_m` is below an even pace through the pledge after `days_done` of `days_total`
    days, rounded up to what is shown (never 0 km when behind at all); 0 when on pace."""
    short = pledged_m * days_done - logged_m * days_total  # metres * days_total
    return max(-(-short // (days_total * STEP_M)) * STEP_M, 0)


def behind_pledge_pace_m(pledged_m: int, logged_m: int, pledged_on: date, day: date, start: date, end: date) -> int:
    """`behind_m` by the end of `day` for a pledge made on `pledged_on`: its even pace runs from that
    day (or the start) to the end, as the /pledge reply promised ("26 km a day for 4 days")."""
    first = min(max(pledged_on, start), end)
    return behind_m(pledged_m, logged_m, days_done(day, first, end), days_total(first, end))


def should_congratulate(pledged_m: int | None, logged_m: int, congratulated_m: int | None) -> bool:
    """Reaching the pledge is celebrated once; raising the pledge and reaching it again is new."""
    return pledged_m is not None and logged_m >= pledged_m and (congratulated_m or 0) < pledged_m


def competition_ranks(values: Sequence[int]) -> list[int]:
    """Ranks of values sorted from most to least, ties sharing a rank: 9, 7, 7, 3 -> 1, 2, 2, 4."""
    ranks: list[int] = []
    for i, value in enumerate(values):
        ranks.append(ranks[-1] if i and value == values[i - 1] else i + 1)
    return ranks


@dataclass(frozen=True)
class Status:
    """A supporter's pledge against the run on a local day."""

    pledged_m: int | None
    logged_m: int
    distance_m: int
    days_left: int

    @property
    def remaining_m(self) -> int:
        return max((self.pledged_m or 0) - self.logged_m, 0)

    @property
    def share_of_run(self) -> float:
        return (self.pledged_m or 0) / self.distance_m

    @property
    def reached(self) -> bool:
        return self.pledged_m is not None and self.logged_m >= self.pledged_m

    @property
    def done(self) -> float:
        """Share of the pledge logged; under 99.95% until it is reached, so 100% is never shown early."""
        if not self.pledged_m:
            return 0.0
        share = self.logged_m / self.pledged_m
        return share if self.reached else min(share, 0.999)

    @property
    def needed_per_day_m(self) -> int | None:
        return per_day(self.remaining_m, self.days_left)


def status(pledged_m: int | None, logged_m: int, distance_m: int, today: date, start: date, end: date) -> Status:
    return Status(pledged_m, logged_m, distance_m, days_left(today, start, end))
