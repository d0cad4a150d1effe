"""Supporters' pledges and their own km: /pledge, /log, /undo, /mypledge, /supporters, /hideme;
and the supporters' figures of a day for the daily summary."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.domain import plausibility, pledge_math
from bot.domain.errors import UserError
from bot.domain.parsing import LogEntry, PledgeChoice, resolve_pledge
from bot.domain.pledge_math import Status
from bot.services import scope, tracking
from bot.services.results import Behind, DayActivity, Logged, LogUndone, Pledged, Standing, SupportersReport, Undone
from bot.services.scope import require, require_open
from storage import logs, pledges, runners, supporters, updates
from storage.db import ROUTE, SUPPORTERS, Database
from storage.logs import Log
from storage.pledges import Pledge
from storage.runs import Run

BOARD_SIZE = 10


def _status(run: Run, pledged_m: int | None, logged_m: int, today: date) -> Status:
    return pledge_math.status(pledged_m, logged_m, run.distance_m, today, run.start_date, run.end_date)


def join_run(conn: sqlite3.Connection, run: Run, user_id: int, first_name: str, at: datetime) -> Pledge:
    supporters.save(conn, user_id, first_name, at)
    return pledges.join(conn, run.id, user_id, at)


async def pledge(
    db: Database,
    *,
    where: scope.Where,
    run_id: int | None = None,
    user_id: int,
    first_name: str,
    choice: PledgeChoice,
    at: datetime,
) -> Pledged:
    """Pledge a share or a distance of the run, or change the pledge."""

    def work(conn: sqlite3.Connection) -> Pledged:
        named = scope.require_reachable(conn, run_id, where) if run_id is not None else scope.resolve(conn, where)
        run = require_open(conn, named.id)
        today = run.local_date(at)
        if today > run.end_date:
            raise UserError(f"{run.title} was planned to end on {run.end_date:%d %b %Y}: pledges are closed.")
        metres = resolve_pledge(choice, run.distance_m)
        before = join_run(conn, run, user_id, first_name, at)
        pledges.set_pledged(conn, run.id, user_id, metres, at)
        return Pledged(run, first_name, before.pledged_m, _status(run, metres, before.logged_m, today))

    return await db.transaction(work, changes=[SUPPORTERS])


def _log_day(run: Run, sent: datetime, yesterday: bool) -> date:
    day = run.local_date(sent) - timedelta(days=1 if yesterday else 0)
    if not run.start_date <= day <= run.end_date:
        raise UserError(
            f"Logs count for the days of {run.title}, {run.start_date:%d %b} to {run.end_date:%d %b %Y}; "
            f"{day:%d %b %Y} is outside them."
        )
    return day


def standing_after_log(
    conn: sqlite3.Connection, run: Run, first_name: str, log: Log, at: datetime, before_m: int | None = None
) -> Logged:
    """The supporter's standing after a log changed; congratulates once when the pledge is reached."""
    after = pledges.get(conn, run.id, log.user_id)
    assert after is not None
    congratulate = pledge_math.should_congratulate(after.pledged_m, after.logged_m, after.congratulated_m)
    if congratulate and after.pledged_m is not None:
        pledges.set_congratulated(conn, run.id, log.user_id, after.pledged_m)
    status = _status(run, after.pledged_m, after.logged_m, run.local_date(at))
    return Logged(run, first_name, log, status, before_m, congratulate)


@dataclass(frozen=True)
class LogMessage:
    """A /log message: who, what, and where it came from."""

    where: scope.Where
    user_id: int
    first_name: str
    entry: LogEntry
    chat_id: int
    message_id: int


async def log(db: Database, message: LogMessage, at: datetime) -> Logged:
    """Record the supporter's own km for today (or yesterday) of the message's run, once per message."""
    return await db.transaction(lambda conn: _log(conn, message, at), changes=[SUPPORTERS])


def _log(conn: sqlite3.Connection, m: LogMessage, at: datetime) -> Logged:
    earlier = logs.by_message(conn, m.chat_id, m.message_id)  # answered again (a second tap): its own run
    run = require_open(conn, earlier.run_id if earlier else scope.resolve(conn, m.where).id)
    day = _log_day(run, at, m.entry.yesterday)
    _check_day(conn, run, day, m)
    join_run(conn, run, m.user_id, m.first_name, at)
    stored = logs.add(
        conn,
        run_id=run.id,
        user_id=m.user_id,
        local_day=day,
        metres=m.entry.metres,
        note=m.entry.note,
        chat_id=m.chat_id,
        message_id=m.message_id,
        at=at,
    )
    stored = stored or logs.by_message(conn, m.chat_id, m.message_id)
    assert stored is not None
    return standing_after_log(conn, run, m.first_name, stored, at)


def _check_day(conn: sqlite3.Connection, run: Run, day: date, m: LogMessage) -> None:
    """The supporter's day stays within what a person can cover (bot.domain.plausibility), this message counted once."""
    before = logs.supporter_day_total(conn, run.id, m.user_id, day, m.chat_id, m.message_id)
    plausibility.check_supporter_day(before, m.entry.metres, day)


async def record_log_edit(db: Database, message: LogMessage, at: datetime, sent_at: datetime) -> Logged:
    """An edited /log corrects the log it made (figure, note, day), or logs it if the first version was refused."""
    return await db.transaction(lambda conn: _edit_log(conn, message, at, sent_at), changes=[SUPPORTERS])


def _edit_log(conn: sqlite3.Connection, m: LogMessage, at: datetime, sent_at: datetime) -> Logged:
    earlier = logs.by_message(conn, m.chat_id, m.message_id)
    if earlier is None:
        if updates.by_message(conn, m.chat_id, m.message_id) is not None:
            raise UserError("That message is an /update: it stays one. Send /log in a new message.")
        return _log(conn, m, sent_at)
    run = require_open(conn, earlier.run_id)  # the run it was logged to, whichever the chat is about now
    day = _log_day(run, sent_at, m.entry.yesterday)
    _check_day(conn, run, day, m)
    corrected = logs.correct(conn, earlier.id, day, m.entry.metres, m.entry.note, at)
    return standing_after_log(conn, run, m.first_name, corrected, at, before_m=earlier.metres)


async def undo_last(db: Database, where: scope.Where, user_id: int, at: datetime) -> Undone | LogUndone:
    """/undo: a runner's last update of the run; for a supporter who is not its runner, their last log."""
    return await db.transaction(lambda conn: _undo(conn, where, user_id, at))


def _undo(conn: sqlite3.Connection, where: scope.Where, user_id: int, at: datetime) -> Undone | LogUndone:
    run = scope.resolve(conn, where)
    run_id = run.id
    runner = runners.get(conn, run.id, user_id)
    if runner is not None:
        return tracking.undo_last(conn, run, runner, at)
    run = require_open(conn, run_id)
    last = logs.last_of(conn, run.id, user_id)
    if last is None:
        raise UserError("You have no log to undo. Log your own km with /log 5 [note].")
    logs.delete(conn, last.id)
    after = pledges.get(conn, run.id, user_id)
    assert after is not None
    return LogUndone(run, last, _status(run, after.pledged_m, after.logged_m, run.local_date(at)))


async def my_pledge(db: Database, run_id: int, user_id: int, first_name: str, at: datetime) -> Standing:
    def work(conn: sqlite3.Connection) -> Standing:
        run = require(conn, run_id)
        found = pledges.get(conn, run.id, user_id)
        pledged_m, logged_m = (found.pledged_m, found.logged_m) if found else (None, 0)
        rank = pledges.rank(conn, run.id, logged_m) if logged_m else None
        status = _status(run, pledged_m, logged_m, run.local_date(at))
        return Standing(run, first_name, status, bool(found and found.hidden), rank)

    return await db.read(work)


async def supporters_report(db: Database, run_id: int) -> SupportersReport:
    return await db.cached(
        ("supporters", run_id), [ROUTE, SUPPORTERS], lambda: db.read(lambda conn: _supporters_report(conn, run_id))
    )


def _supporters_report(conn: sqlite3.Connection, run_id: int) -> SupportersReport:
    run = require(conn, run_id)
    board = pledges.board(conn, run.id, BOARD_SIZE)
    ranks = pledge_math.competition_ranks([entry.logged_m for entry in board])
    return SupportersReport(run, pledges.totals(conn, run.id), board, ranks)


async def set_hidden(db: Database, user_id: int, first_name: str, hidden: bool, at: datetime) -> None:
    """/hideme, /showme: off (or back on) the /supporters board, in every run; the km still count."""

    def work(conn: sqlite3.Connection) -> None:
        supporters.save(conn, user_id, first_name, at)
        supporters.set_hidden(conn, user_id, hidden)

    await db.transaction(work, changes=[SUPPORTERS])


def _day_bounds(run: Run, local_day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(local_day, time(0), tzinfo=run.tz)
    end = datetime.combine(local_day + timedelta(days=1), time(0), tzinfo=run.tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def day_activity(conn: sqlite3.Connection, run: Run, local_day: date) -> DayActivity:
    """The supporters' side of a day, for the daily summary (reads that day's rows and one totals row)."""
    start, end = _day_bounds(run, local_day)
    totals = pledges.totals(conn, run.id)
    top = logs.day_top(conn, run.id, local_day)
    return DayActivity(
        new_pledges=pledges.count_pledged_between(conn, run.id, start, end),
        logged_today_m=logs.day_total(conn, run.id, local_day),
        supporters=totals.supporters,
        pledged_m=totals.pledged_m,
        logged_m=totals.logged_m,
        top_name=top.first_name if top else None,
        top_today_m=top.metres if top else 0,
    )


def behind_pace(conn: sqlite3.Connection, run: Run, local_day: date) -> list[Behind]:
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
    for row in pledges.lagging(conn=conn, run_id=run.id, days_done=done, days_total=total):
        behind_m = pledge_math.behind_pledge_pace_m(
            row.pledged_m, row.logged_m, run.local_date(row.pledged_at), local_day, run.start_date, run.end_date
        )
        if behind_m:
            needed = pledge_math.per_day(row.pledged_m - row.logged_m, days_after) or 0  # days_after >= 1
            found.append(Behind(row.user_id, row.first_name, row.pledged_m, row.logged_m, needed, behind_m))
    return sorted(found, key=lambda b: -b.behind_m)
