"""Runners' updates and positions, and the reports supporters read: /progress and /today.

Each action is one transaction in one trip to the database (see storage/db.py), and the news it makes
(followers, milestones) is queued in the outbox in that same transaction (bot.services.news). The reports
are public: their figures are the public ones (bot.services.public), under the organiser's /position choice.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain import plausibility
from bot.domain.errors import UserError
from bot.domain.position_privacy import PublicView
from bot.services import checkpoints as checkpoint_news
from bot.services import news, public, scope
from bot.services.results import Posted, ProgressReport, TodayReport, Undone
from bot.services.scope import require_open
from storage import activity_files, logs, positions, runners, updates
from storage.db import ROUTE, Database
from storage.runners import Runner
from storage.runs import Run


def _require_runner(conn: sqlite3.Connection, run: Run, user_id: int) -> Runner:
    runner = runners.get(conn, run.id, user_id)
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
class Message:
    """Where a post came from and what it says."""

    where: scope.Where
    user_id: int
    metres: int
    note: str | None
    chat_id: int
    message_id: int
    photo_file_id: str | None = None


def _runner_total(conn: sqlite3.Connection, run_id: int, runner_id: int) -> int:
    return next(t.metres for t in runners.totals(conn, run_id) if t.runner.id == runner_id)


async def post_update(db: Database, message: Message, at: datetime) -> Posted:
    """A runner's /update: stored once per message; a new one is announced to followers."""
    return await db.transaction(lambda conn: _post(conn, message, at))


def _post(conn: sqlite3.Connection, m: Message, at: datetime) -> Posted:
    earlier = updates.by_message(conn, m.chat_id, m.message_id)  # answered again (a second tap): its own run
    run = require_open(conn, earlier.run_id if earlier else scope.resolve(conn, m.where, scope.Role.RUNNER).id)
    runner = _require_runner(conn, run, m.user_id)
    day = _day_of_run(run, at)
    _check_day(conn, run, runner, day, m)
    stored = updates.add(
        conn,
        run_id=run.id,
        runner_id=runner.id,
        local_day=day,
        metres=m.metres,
        note=m.note,
        photo_file_id=m.photo_file_id,
        chat_id=m.chat_id,
        message_id=m.message_id,
        at=at,
    )
    if stored is None:  # this message was stored already: say so again, announce nothing
        earlier = updates.by_message(conn, m.chat_id, m.message_id)
        assert earlier is not None
        return Posted(run, runner, earlier, _runner_total(conn, run.id, runner.id))
    posted = Posted(run, runner, stored, _runner_total(conn, run.id, runner.id), is_new=True)
    news.new_update(conn, posted, at)
    return posted


async def record_edit(db: Database, message: Message, at: datetime, sent_at: datetime) -> Posted:
    """An edited /update: corrects the update it made, or posts it (and announces it) if the first
    version was refused or has not arrived yet."""
    return await db.transaction(lambda conn: _edit(conn, message, at, sent_at))


def _edit(conn: sqlite3.Connection, m: Message, at: datetime, sent_at: datetime) -> Posted:
    earlier = updates.by_message(conn, m.chat_id, m.message_id)
    if earlier is None:
        if logs.by_message(conn, m.chat_id, m.message_id) is not None:
            raise UserError("That message is a /log: it stays one. Send /update in a new message.")
        return _post(conn, m, sent_at)
    run = require_open(conn, earlier.run_id)  # the update's own run, whichever the chat is about now
    runner = _require_runner(conn, run, m.user_id)
    if runner.id != earlier.runner_id:
        raise UserError("That update is not yours to change.")
    _check_day(conn, run, runner, earlier.local_day, m)
    corrected = updates.correct(conn, earlier.id, m.metres, m.note, at)
    posted = Posted(run, runner, corrected, _runner_total(conn, run.id, runner.id), earlier.metres)
    news.route_changed(conn, posted, news.route_m(conn, run.id), at)
    return posted


def _check_day(conn: sqlite3.Connection, run: Run, runner: Runner, day: date, m: Message) -> None:
    """The runner's day stays within what a person can run (bot.domain.plausibility), this message counted once."""
    before = updates.runner_day_total(conn, run.id, runner.id, day, m.chat_id, m.message_id)
    plausibility.check_runner_day(before, m.metres, day)


def undo_last(conn: sqlite3.Connection, run: Run, runner: Runner, at: datetime) -> Undone:
    """Inside /undo's transaction: remove the runner's last update; milestones no longer reached are given back."""
    if run.ended_at is not None:
        raise UserError(f"{run.title} has ended: its updates stay as they are.")
    last = updates.last_of_runner(conn, runner.id)
    if last is None or last.run_id != run.id:
        raise UserError("You have no update to undo.")
    if activity_files.track_of_update(conn, last.id) is not None:  # the file's end was shared as a position
        positions.forget(conn, last.chat_id, last.message_id)
    updates.delete(conn, last.id)
    posted = Posted(run, runner, last, 0)
    news.route_changed(conn, posted, news.route_m(conn, run.id), at)
    return Undone(run, last, _runner_total(conn, run.id, runner.id))


@dataclass(frozen=True)
class PositionMessage:
    run_id: int
    user_id: int
    latitude: float
    longitude: float
    chat_id: int
    message_id: int


async def save_position(db: Database, p: PositionMessage, at: datetime) -> Run:
    def work(conn: sqlite3.Connection) -> Run:
        run = require_open(conn, p.run_id)
        runner = runners.get(conn, run.id, p.user_id)
        if runner is None:
            raise UserError(f"Only the runners of {run.title} share their position here.")
        positions.save(
            conn,
            run_id=run.id,
            runner_id=runner.id,
            latitude=p.latitude,
            longitude=p.longitude,
            chat_id=p.chat_id,
            message_id=p.message_id,
            at=at,
        )
        return run

    return await db.transaction(work, changes=[ROUTE])


async def progress_report(db: Database, run: Run, now: datetime) -> ProgressReport:
    view = public.view_of(run, now)
    key = ("progress", run.id, run.local_date(now), view.cache_key)
    return await db.cached(key, [ROUTE], lambda: db.read(lambda conn: _progress_report(conn, run, view)))


def _progress_report(conn: sqlite3.Connection, run: Run, view: PublicView) -> ProgressReport:
    fig = public.figures(conn, run, view)
    progress = public.progress(run, fig)
    position = public.position(conn, run, view)
    where = checkpoint_news.where(
        conn, run, progress.covered_m, progress.average_m_per_day, position, progress.today, view
    )
    return ProgressReport(run, progress, fig.leads, fig.companions, position, where)


async def today_report(db: Database, run: Run, now: datetime) -> TodayReport:
    view = public.view_of(run, now)
    key = ("today", run.id, run.local_date(now), view.cache_key)
    return await db.cached(key, [ROUTE], lambda: db.read(lambda conn: _today_report(conn, run, view)))


def _today_report(conn: sqlite3.Connection, run: Run, view: PublicView) -> TodayReport:
    """The run's day as of the view (under a delay, the day of now - the delay) and its updates."""
    fig = public.figures(conn, run, view)
    lines, posted = public.day_of(conn, run, fig, fig.today)
    day = (fig.today - run.start_date).days + 1
    return TodayReport(run, fig.today, day, lines, public.position(conn, run, view), tuple(posted))


async def runner_of(db: Database, run: Run | None, user_id: int) -> Runner | None:
    if run is None:
        return None
    return await db.read(lambda conn: runners.get(conn, run.id, user_id))
