"""Supporters' pledges and their own km: /pledge, /log, /undo, /mypledge, /supporters, /hideme;
and the supporters' figures of a day for the daily summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import aiosqlite

from bot import pledge_math
from bot.errors import UserError
from bot.parsing import LogEntry, PledgeChoice, resolve_pledge
from bot.pledge_math import Status
from bot.services import runs, tracking
from bot.services.runs import require_current, require_open
from storage import logs, pledges, supporters
from storage.db import ROUTE, SUPPORTERS, Database
from storage.logs import Log
from storage.pledges import BoardEntry, Pledge, Totals
from storage.runs import Run

BOARD_SIZE = 10


def _status(run: Run, pledged_m: int | None, logged_m: int, today: date) -> Status:
    return pledge_math.status(pledged_m, logged_m, run.distance_m, today, run.start_date, run.end_date)


async def _join(conn: aiosqlite.Connection, run: Run, user_id: int, first_name: str, at: datetime) -> Pledge:
    await supporters.save(conn, user_id, first_name, at)
    return await pledges.join(conn, run.id, user_id, at)


@dataclass(frozen=True)
class Pledged:
    run: Run
    first_name: str
    before_m: int | None  # the pledge it replaced
    status: Status


async def pledge(db: Database, *, user_id: int, first_name: str, choice: PledgeChoice, at: datetime) -> Pledged:
    """Pledge a share or a distance of the current run, or change the pledge."""
    async with db.transaction(changes=[SUPPORTERS]) as conn:
        run = await require_open(db)
        today = run.local_date(at)
        if today > run.end_date:
            raise UserError(f"{run.title} was planned to end on {run.end_date:%d %b %Y}: pledges are closed.")
        metres = resolve_pledge(choice, run.distance_m)
        before = await _join(conn, run, user_id, first_name, at)
        await pledges.set_pledged(conn, run.id, user_id, metres, at)
        return Pledged(run, first_name, before.pledged_m, _status(run, metres, before.logged_m, today))


@dataclass(frozen=True)
class Logged:
    run: Run
    first_name: str
    log: Log
    status: Status
    before_m: int | None = None  # set when an edit corrected an earlier figure
    congratulate: bool = False  # this log reached the pledge


def _log_day(run: Run, sent: datetime, yesterday: bool) -> date:
    day = run.local_date(sent) - timedelta(days=1 if yesterday else 0)
    if not run.start_date <= day <= run.end_date:
        raise UserError(
            f"Logs count for the days of {run.title}, {run.start_date:%d %b} to {run.end_date:%d %b %Y}; "
            f"{day:%d %b %Y} is outside them."
        )
    return day


async def _logged(
    conn: aiosqlite.Connection, run: Run, first_name: str, log: Log, at: datetime, before_m: int | None = None
) -> Logged:
    """The supporter's standing after a log changed; congratulates once when the pledge is reached."""
    after = await pledges.get(conn, run.id, log.user_id)
    congratulate = pledge_math.should_congratulate(after.pledged_m, after.logged_m, after.congratulated_m)
    if congratulate:
        await pledges.set_congratulated(conn, run.id, log.user_id, after.pledged_m)
    status = _status(run, after.pledged_m, after.logged_m, run.local_date(at))
    return Logged(run, first_name, log, status, before_m, congratulate)


async def log(
    db: Database, *, user_id: int, first_name: str, entry: LogEntry, chat_id: int, message_id: int, at: datetime
) -> Logged:
    """Record the supporter's own km for today (or yesterday) of the current run, once per message."""
    async with db.transaction(changes=[SUPPORTERS]) as conn:
        run = await require_open(db)
        day = _log_day(run, at, entry.yesterday)
        await _join(conn, run, user_id, first_name, at)
        stored = await logs.add(
            conn,
            run_id=run.id,
            user_id=user_id,
            local_day=day,
            metres=entry.metres,
            note=entry.note,
            chat_id=chat_id,
            message_id=message_id,
            at=at,
        )
        stored = stored or await logs.by_message(conn, chat_id, message_id)
        return await _logged(conn, run, first_name, stored, at)


async def record_log_edit(
    db: Database,
    *,
    user_id: int,
    first_name: str,
    entry: LogEntry,
    chat_id: int,
    message_id: int,
    at: datetime,
    sent_at: datetime,
) -> Logged:
    """An edited /log corrects the log it made (figure, note, day), or logs it if the first version was refused."""
    async with db.transaction(changes=[SUPPORTERS]) as conn:
        earlier = await logs.by_message(conn, chat_id, message_id)
        if earlier is not None:
            run = await require_open(db)
            if earlier.run_id != run.id:
                raise UserError("That log belongs to an earlier run: it cannot be changed now.")
            corrected = await logs.correct(
                conn, earlier.id, _log_day(run, sent_at, entry.yesterday), entry.metres, entry.note, at
            )
            return await _logged(conn, run, first_name, corrected, at, before_m=earlier.metres)
    return await log(
        db, user_id=user_id, first_name=first_name, entry=entry, chat_id=chat_id, message_id=message_id, at=sent_at
    )


@dataclass(frozen=True)
class LogUndone:
    run: Run
    log: Log
    status: Status


async def undo_last(db: Database, user_id: int, at: datetime) -> tracking.Undone | LogUndone:
    """/undo: a runner's last update; for a supporter who is not a runner, their last log."""
    if await tracking.runner_of(db, await runs.current(db), user_id):
        return await tracking.undo_last(db, user_id)
    async with db.transaction(changes=[SUPPORTERS]) as conn:
        run = await require_open(db)
        last = await logs.last_of(conn, run.id, user_id)
        if last is None:
            raise UserError("You have no log to undo. Log your own km with /log 5 [note].")
        await logs.delete(conn, last.id)
        after = await pledges.get(conn, run.id, user_id)
        return LogUndone(run, last, _status(run, after.pledged_m, after.logged_m, run.local_date(at)))


@dataclass(frozen=True)
class Standing:
    run: Run
    first_name: str
    status: Status
    hidden: bool
    rank: int | None  # among the supporters on the board, by km logged; None before the first km


async def my_pledge(db: Database, user_id: int, first_name: str, at: datetime) -> Standing:
    conn = db.conn
    run = await require_current(db)
    found: Pledge | None = await pledges.get(conn, run.id, user_id)
    pledged_m, logged_m = (found.pledged_m, found.logged_m) if found else (None, 0)
    rank = await pledges.rank(conn, run.id, logged_m) if logged_m else None
    status = _status(run, pledged_m, logged_m, run.local_date(at))
    return Standing(run, first_name, status, bool(found and found.hidden), rank)


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


async def supporters_report(db: Database) -> SupportersReport:
    run = await require_current(db)
    return await db.cached(("supporters", run.id), [ROUTE, SUPPORTERS], lambda: _supporters_report(db.conn, run))


async def _supporters_report(conn: aiosqlite.Connection, run: Run) -> SupportersReport:
    board = await pledges.board(conn, run.id, BOARD_SIZE)
    ranks = pledge_math.competition_ranks([entry.logged_m for entry in board])
    return SupportersReport(run, await pledges.totals(conn, run.id), board, ranks)


async def set_hidden(db: Database, user_id: int, first_name: str, hidden: bool, at: datetime) -> None:
    """/hideme, /showme: off (or back on) the /supporters board, in every run; the km still count."""
    async with db.transaction(changes=[SUPPORTERS]) as conn:
        await supporters.save(conn, user_id, first_name, at)
        await supporters.set_hidden(conn, user_id, hidden)


@dataclass(frozen=True)
class DayActivity:
    new_pledges: int  # supporters who made their first pledge that local day
    logged_today_m: int  # km logged for that day, by everyone
    supporters: int  # totals of the run so far
    pledged_m: int
    logged_m: int
    top_name: str | None  # the day's top supporter by km logged that day (hidden ones left out)
    top_today_m: int


def _day_bounds(run: Run, local_day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(local_day, time(0), tzinfo=run.tz)
    end = datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=run.tz)
    return start.astimezone(UTC), end.astimezone(UTC)


async def day_activity(db: Database, run: Run, local_day: date) -> DayActivity:
    """The supporters' side of a day, for the daily summary (reads that day's rows and one totals row)."""
    conn = db.conn
    start, end = _day_bounds(run, local_day)
    totals = await pledges.totals(conn, run.id)
    top = await logs.day_top(conn, run.id, local_day)
    return DayActivity(
        new_pledges=await pledges.count_pledged_between(conn, run.id, start, end),
        logged_today_m=await logs.day_total(conn, run.id, local_day),
        supporters=totals.supporters,
        pledged_m=totals.pledged_m,
        logged_m=totals.logged_m,
        top_name=top.first_name if top else None,
        top_today_m=top.metres if top else 0,
    )


@dataclass(frozen=True)
class Behind:
    user_id: int
    first_name: str
    pledged_m: int
    logged_m: int
    needed_per_day_m: int  # over the days after local_day (all of it on the last day)
    behind_m: int  # below the even pace of the pledge by the end of local_day


async def behind_pace(db: Database, run: Run, local_day: date) -> list[Behind]:
    """Pledgers whose logged km are behind the even pace of their pledge by the end of `local_day`,
    the pace running from the day they pledged (or the run's start) to the run's end.

    For private reminders: hidden supporters are included (hiding only keeps a name off the board),
    those who sent /quiet are not. Furthest behind first. One query.
    """
    done = pledge_math.days_done(local_day, run.start_date, run.end_date)
    if done == 0:
        return []
    total = pledge_math.days_total(run.start_date, run.end_date)
    days_after = max(total - done, 1)
    found = []
    for row in await pledges.lagging(conn=db.conn, run_id=run.id, days_done=done, days_total=total):
        behind_m = pledge_math.behind_pledge_pace_m(
            row.pledged_m, row.logged_m, run.local_date(row.pledged_at), local_day, run.start_date, run.end_date
        )
        if behind_m:
            needed = pledge_math.per_day(row.pledged_m - row.logged_m, days_after)
            found.append(Behind(row.user_id, row.first_name, row.pledged_m, row.logged_m, needed, behind_m))
    return sorted(found, key=lambda b: -b.behind_m)
