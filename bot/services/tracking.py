"""Runners' updates and positions, and the reports supporters read: /progress and /today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from bot import stats
from bot.errors import UserError
from bot.services.runs import require_current, require_open
from storage import positions, runners, updates
from storage.db import ROUTE, Database
from storage.positions import Position
from storage.runners import Runner, RunnerTotal
from storage.runs import Run
from storage.updates import DayEntry, RunnerUpdate


async def _require_runner(conn: aiosqlite.Connection, run: Run, user_id: int) -> Runner:
    runner = await runners.get(conn, run.id, user_id)
    if runner is None:
        raise UserError(f"Only the runners of {run.title} can post updates. An organiser can invite you.")
    return runner


def _day_of_run(run: Run, at: datetime) -> date:
    day = run.local_date(at)
    if day < run.start_date:
        raise UserError(f"{run.title} starts on {run.start_date:%d %b %Y}; updates count from that day.")
    if day > run.end_date:
        raise UserError(
            f"{run.title} was planned to end on {run.end_date:%d %b %Y}. "
            "If it goes on, an organiser can move the end date with /setend."
        )
    return day


@dataclass(frozen=True)
class Posted:
    run: Run
    runner: Runner
    update: RunnerUpdate
    runner_total_m: int
    before_m: int | None = None  # set when this corrected an earlier figure
    is_new: bool = False  # a new update (not a correction, not a message stored already)


async def _runner_total(conn: aiosqlite.Connection, run_id: int, runner_id: int) -> int:
    return next(t.metres for t in await runners.totals(conn, run_id) if t.runner.id == runner_id)


async def post_update(
    db: Database,
    *,
    user_id: int,
    metres: int,
    note: str | None,
    photo_file_id: str | None,
    chat_id: int,
    message_id: int,
    at: datetime,
) -> Posted:
    async with db.transaction() as conn:
        run = await require_open(db)
        runner = await _require_runner(conn, run, user_id)
        stored = await updates.add(
            conn,
            run_id=run.id,
            runner_id=runner.id,
            local_day=_day_of_run(run, at),
            metres=metres,
            note=note,
            photo_file_id=photo_file_id,
            chat_id=chat_id,
            message_id=message_id,
            at=at,
        )
        is_new = stored is not None
        stored = stored or await updates.by_message(conn, chat_id, message_id)
        return Posted(run, runner, stored, await _runner_total(conn, run.id, runner.id), is_new=is_new)


async def correct_update(
    db: Database, *, user_id: int, metres: int, note: str | None, chat_id: int, message_id: int, at: datetime
) -> Posted:
    """An edited /update message replaces its figure and note; never adds a second update."""
    async with db.transaction() as conn:
        earlier = await updates.by_message(conn, chat_id, message_id)
        if earlier is None:
            raise LookupError("no update came from that message")
        run = await require_current(db)
        runner = await _require_runner(conn, run, user_id)
        await updates.correct(conn, earlier.id, metres, note, at)
        corrected = await updates.by_message(conn, chat_id, message_id)
        return Posted(run, runner, corrected, await _runner_total(conn, run.id, runner.id), earlier.metres)


async def record_edit(
    db: Database,
    *,
    user_id: int,
    metres: int,
    note: str | None,
    chat_id: int,
    message_id: int,
    photo_file_id: str | None,
    at: datetime,
    sent_at: datetime,
) -> Posted:
    """An edited /update: corrects the update it made, or posts it if the first version was refused."""
    try:
        return await correct_update(
            db, user_id=user_id, metres=metres, note=note, chat_id=chat_id, message_id=message_id, at=at
        )
    except LookupError:
        return await post_update(
            db,
            user_id=user_id,
            metres=metres,
            note=note,
            photo_file_id=photo_file_id,
            chat_id=chat_id,
            message_id=message_id,
            at=sent_at,
        )


@dataclass(frozen=True)
class Undone:
    run: Run
    update: RunnerUpdate
    runner_total_m: int


async def undo_last(db: Database, user_id: int) -> Undone:
    async with db.transaction() as conn:
        run = await require_current(db)
        runner = await _require_runner(conn, run, user_id)
        last = await updates.last_of_runner(conn, runner.id)
        if last is None:
            raise UserError("You have no update to undo.")
        await updates.delete(conn, last.id)
        return Undone(run, last, await _runner_total(conn, run.id, runner.id))


async def save_position(
    db: Database, *, user_id: int, latitude: float, longitude: float, chat_id: int, message_id: int, at: datetime
) -> Run:
    async with db.transaction() as conn:
        run = await require_open(db)
        runner = await runners.get(conn, run.id, user_id)
        if runner is None:
            raise UserError(f"Only the runners of {run.title} share their position here.")
        await positions.save(
            conn,
            run_id=run.id,
            runner_id=runner.id,
            latitude=latitude,
            longitude=longitude,
            chat_id=chat_id,
            message_id=message_id,
            at=at,
        )
        return run


@dataclass(frozen=True)
class ProgressReport:
    run: Run
    progress: stats.Progress
    leads: list[RunnerTotal]
    companions: list[RunnerTotal]
    position: Position | None


async def progress_report(db: Database, now: datetime) -> ProgressReport:
    run = await require_current(db)
    today = run.local_date(now)
    return await db.cached(("progress", run.id, today), [ROUTE], lambda: _progress_report(db.conn, run, today))


async def _progress_report(conn: aiosqlite.Connection, run: Run, today: date) -> ProgressReport:
    totals = await runners.totals(conn, run.id)
    leads = [t for t in totals if t.runner.is_lead]
    progress = stats.progress(
        run.distance_m,
        run.start_date,
        run.end_date,
        covered_m=sum(t.metres for t in leads),
        today=today,
        ended_on=run.local_date(run.ended_at) if run.ended_at else None,
    )
    companions = [t for t in totals if not t.runner.is_lead]
    return ProgressReport(run, progress, leads, companions, await positions.latest(conn, run.id))


@dataclass(frozen=True)
class TodayReport:
    run: Run
    today: date
    day: int
    entries: list[DayEntry]
    position: Position | None


async def today_report(db: Database, now: datetime) -> TodayReport:
    run = await require_current(db)
    today = run.local_date(now)
    return await db.cached(("today", run.id, today), [ROUTE], lambda: _today_report(db.conn, run, today))


async def _today_report(conn: aiosqlite.Connection, run: Run, today: date) -> TodayReport:
    entries = await updates.of_day(conn, run.id, today)
    day = (today - run.start_date).days + 1
    return TodayReport(run, today, day, entries, await positions.latest(conn, run.id))


async def runner_of(db: Database, run: Run | None, user_id: int) -> Runner | None:
    return await runners.get(db.conn, run.id, user_id) if run else None
