"""What the services answer: small frozen dataclasses of plain values, made by bot.services and read by
bot.replies, which turns them into text. Both import this module; neither imports the other's insides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain import stats
from bot.domain.geometry import Nearby
from bot.domain.pledge_math import Status
from bot.files.activity_files import Activity
from bot.files.route_files import PlannedRoute
from storage.checkpoints import StoredCheckpoint
from storage.logs import Log
from storage.pledges import BoardEntry, Totals
from storage.positions import Position
from storage.runners import Runner, RunnerTotal
from storage.runs import Run
from storage.subscriptions import Subscription
from storage.updates import RunnerUpdate


@dataclass(frozen=True)
class Subscribed:
    subscription: Subscription
    zone: str  # the time zone its time is in (the run's, when it names none)
    run: Run | None


@dataclass(frozen=True)
class Where:
    """The run against its route and checkpoints."""

    place: Nearby | None
    """Where on the route (near km 182, 8 km before Vapi), when the run has a route."""
    next_name: str | None
    next_to_go_m: int
    next_eta: date | None
    start: date


@dataclass(frozen=True)
class Reminders:
    quiet: bool
    changed: bool  # False: it was so already
    run: Run | None  # the current run, for its time zone


@dataclass(frozen=True)
class Pledged:
    run: Run
    first_name: str
    before_m: int | None  # the pledge it replaced
    status: Status


@dataclass(frozen=True)
class Logged:
    run: Run
    first_name: str
    log: Log
    status: Status
    before_m: int | None = None  # set when an edit corrected an earlier figure
    congratulate: bool = False  # this log reached the pledge


@dataclass(frozen=True)
class LogUndone:
    run: Run
    log: Log
    status: Status


@dataclass(frozen=True)
class Standing:
    run: Run
    first_name: str
    status: Status
    hidden: bool
    rank: int | None  # among the supporters on the board, by km logged; None before the first km


@dataclass(frozen=True)
class SupportersReport:
    run: Run
    totals: Totals
    board: list[BoardEntry]
    ranks: list[int]

    @property
    def pledged_of_run(self) -> float:
        """The km pledged as a multiple of the run's distance (0.15 is 15% of it)."""
        return self.totals.pledged_m / self.run.distance_m

    @property
    def logged_of_run(self) -> float:
        return self.totals.logged_m / self.run.distance_m


@dataclass(frozen=True)
class DayActivity:
    new_pledges: int  # supporters who made their first pledge that local day
    logged_today_m: int  # km logged for that day, by everyone
    supporters: int  # totals of the run so far
    pledged_m: int
    logged_m: int
    top_name: str | None  # the day's top supporter by km logged that day (hidden ones left out)
    top_today_m: int


@dataclass(frozen=True)
class Behind:
    user_id: int
    first_name: str
    pledged_m: int
    logged_m: int
    needed_per_day_m: int  # over the days after local_day (all of it on the last day)
    behind_m: int  # below the even pace of the pledge by the end of local_day


@dataclass(frozen=True)
class RouteSaved:
    run: Run
    planned: PlannedRoute
    kept: int
    """How many of the file's checkpoints were kept."""
    saved: tuple[StoredCheckpoint, ...] = ()
    """The checkpoints as stored, in route order (names cleaned and cut at MAX_CHECKPOINT_NAME)."""
    left_out: int = 0
    """Named waypoints on the route not kept: a name that shows as nothing, the same name again (in any case),
    or past MAX_CHECKPOINTS."""


@dataclass(frozen=True)
class CheckpointSet:
    run: Run
    checkpoint: StoredCheckpoint


@dataclass(frozen=True)
class CheckpointReport:
    run: Run
    progress: stats.Progress
    checkpoints: list[StoredCheckpoint]
    route_length_m: int | None
    hidden: bool = False
    """/position hide: the public sees no checkpoint (nor the route)."""


@dataclass(frozen=True)
class ActivityPosted:
    """A runner's activity file made an update."""

    posted: Posted
    activity: Activity
    day: int
    place: Nearby | None
    """Where the track ended on the route (near km 24, 24.3 km before Vasai), when the run has a route."""
    by_hand_m: int = 0
    """The km the runner had posted by hand (not from a file) for the same day: maybe the same run twice."""


@dataclass(frozen=True)
class ActivityLogged:
    """A supporter's activity file made a log."""

    logged: Logged
    activity: Activity
    by_hand_m: int = 0
    """The km the supporter had logged with /log for the same day: maybe the same walk twice."""


@dataclass(frozen=True)
class Change:
    before: Run
    after: Run


@dataclass(frozen=True)
class Joined:
    """An invite used: a runner of `run`, or (runner None) a co-organiser of it."""

    run: Run
    runner: Runner | None


@dataclass(frozen=True)
class JoinedRun:
    """A run's link opened: the chat is about `run`; `new`: the person was not part of it before."""

    run: Run
    new: bool


@dataclass(frozen=True)
class RunnerDayLine:
    """A runner's local day as the public reads it (bot.services.public)."""

    name: str
    role: str
    metres: int
    """The runner's km of the day as published (under /position coarse, a difference of rounded totals)."""
    notes: tuple[str, ...] = ()
    photos: bool = False


@dataclass(frozen=True)
class PublicEntry:
    """One update as the public reads it (bot.services.public)."""

    name: str
    role: str
    metres: int | None
    """None where the public does not see each update's km (/position coarse)."""
    note: str | None
    photo_file_id: str | None


@dataclass(frozen=True)
class DaySummary:
    run: Run
    day: date  # the local day summarised
    progress: stats.Progress  # the route as of the end of that day
    entries: list[RunnerDayLine]  # each runner's km of that day and their notes, leads first
    position: Position | None
    final: bool
    where: Where | None = None  # on the planned route, and the next checkpoint


@dataclass(frozen=True)
class Posted:
    run: Run
    runner: Runner
    update: RunnerUpdate
    runner_total_m: int
    before_m: int | None = None  # set when this corrected an earlier figure
    is_new: bool = False  # a new update (not a correction, not a message stored already)


@dataclass(frozen=True)
class Undone:
    run: Run
    update: RunnerUpdate
    runner_total_m: int


@dataclass(frozen=True)
class ProgressReport:
    run: Run
    progress: stats.Progress
    leads: list[RunnerTotal]
    companions: list[RunnerTotal]
    position: Position | None
    where: Where | None = None  # on the planned route, and the next checkpoint


@dataclass(frozen=True)
class TodayReport:
    run: Run
    today: date
    day: int
    entries: list[RunnerDayLine]  # each runner's km of the day and their notes, leads first
    position: Position | None
    posted: tuple[PublicEntry, ...] = ()  # the day's updates in the order they were posted


@dataclass(frozen=True)
class ChartData:
    """A run's figures for its chart: the lead runners' metres on each day from the start, up to today."""

    title: str
    start: date
    end: date
    distance_m: int
    day_m: list[int]
    today: date


@dataclass(frozen=True)
class RunsView:
    """/runs: the runs a person is part of (a group: its run), the one the chat is about, other open runs."""

    mine: list[Run]
    current: Run | None
    others: list[Run]
    in_group: bool


@dataclass(frozen=True)
class Roles:
    """For /help: the run the chat is about (None: none yet, or several), and what its person may do."""

    run: Run | None
    is_runner: bool
    is_organiser: bool
    several: bool = False  # the chat could be about several runs (/runs chooses)
