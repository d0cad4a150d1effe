"""Pure statistics of a run: progress, pace and projection from plain numbers and dates."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date, timedelta


class Stage(enum.Enum):
    NOT_STARTED = "not started"
    RUNNING = "running"
    FINISHED = "finished"  # the planned distance is covered, the run is not closed yet
    ENDED = "ended"  # closed by an organiser, or past its end date


@dataclass(frozen=True)
class Progress:
    stage: Stage
    covered_m: int
    distance_m: int
    start: date
    end: date
    today: date
    day: int  # day N of days_total; 0 before the start
    days_total: int
    days_run: int  # days elapsed, today included, capped at the last day run

    @property
    def remaining_m(self) -> int:
        return max(self.distance_m - self.covered_m, 0)

    @property
    def share(self) -> float:
        return self.covered_m / self.distance_m

    @property
    def average_m_per_day(self) -> int | None:
        return round(self.covered_m / self.days_run) if self.days_run and self.covered_m else None

    @property
    def days_left(self) -> int:
        """Days after today up to the end date; on the last day, today itself."""
        return max((self.end - self.today).days, 1)

    @property
    def needed_m_per_day(self) -> int:
        return math.ceil(self.remaining_m / self.days_left)

    @property
    def planned_m(self) -> int:
        """Where the plan (an even pace) puts the runner by the end of today."""
        return min(round(self.distance_m * self.day / self.days_total), self.distance_m)

    @property
    def behind_m(self) -> int:
        return max(self.planned_m - self.covered_m, 0)

    @property
    def ahead_m(self) -> int:
        return max(self.covered_m - self.planned_m, 0)

    @property
    def projected_finish(self) -> date | None:
        """The day the distance is covered at the average so far."""
        average = self.average_m_per_day
        if not average or self.remaining_m == 0:
            return None
        try:
            return self.start + timedelta(days=math.ceil(self.distance_m / average) - 1)
        except OverflowError:  # past the year 9999: no date to show
            return None


def days_between(start: date, end: date) -> int:
    """Days from start to end, both counted: 15 to 22 August is 8 days."""
    return (end - start).days + 1


def progress(
    distance_m: int,
    start: date,
    end: date,
    covered_m: int,
    today: date,
    ended_on: date | None = None,
) -> Progress:
    """The state of a run on `today` (a local date); `ended_on` is the day it was closed."""
    days_total = days_between(start, end)
    ended = ended_on is not None or today > end
    last_day = (ended_on or end) if ended else today
    if ended:
        stage = Stage.ENDED
    elif today < start and covered_m == 0:
        stage = Stage.NOT_STARTED
    elif covered_m >= distance_m:
        stage = Stage.FINISHED
    else:
        stage = Stage.RUNNING
    day = min(max((today - start).days + 1, 0), days_total)
    days_run = max(days_between(start, min(today, last_day)), 0)
    return Progress(stage, covered_m, distance_m, start, end, today, day, days_total, days_run)
