"""The planned route, its checkpoints, and activity files (GPX/FIT) turned into updates and logs.

Each action is one transaction in one trip (storage/db.py). An activity file is read before its
transaction: its size checked from Telegram's figure first, then downloaded, then read in the bounded
child process (bot.files.activity_files), so a hostile file costs one bounded child and no event-loop time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from bot.domain import plausibility
from bot.domain.checkpoint_names import MAX_CHECKPOINTS, same_name, visible
from bot.domain.errors import UserError
from bot.domain.geometry import Checkpoint as RouteCheckpoint
from bot.domain.geometry import Nearby, nearby, place
from bot.domain.parsing import LogEntry
from bot.domain.route_progress import day_number, duration_text, implausible
from bot.domain.units import km
from bot.files.activity_files import SEND_INSTEAD, Activity, ActivityFileError, read_activity_bounded
from bot.files.route_files import ROUTE_SEND_INSTEAD, PlannedRoute, RouteFileError, read_route_bounded
from bot.files.safe_gpx import FileRefusedError, check_size
from bot.services import checkpoints as checkpoint_news
from bot.services import news, pledges, public, scope
from bot.services.results import (
    ActivityLogged,
    ActivityPosted,
    CheckpointReport,
    CheckpointSet,
    Logged,
    Posted,
    RouteSaved,
)
from bot.services.scope import require, require_open, require_organiser
from storage import activity_files, checkpoints, logs, positions, routes, runners, updates
from storage.db import ROUTE, SUPPORTERS, Database
from storage.runs import Run

MAX_CHECKPOINT_NAME = 64
NAMES_IN_A_REFUSAL = 20


# --- The route --------------------------------------------------------------------------------------


def _route_checkpoints(planned: PlannedRoute) -> list[tuple[str, int]]:
    """The waypoints' names made visible and cut, the first of each name (any case), at most MAX_CHECKPOINTS."""
    named: list[tuple[str, int]] = []
    for c in planned.checkpoints:
        name = visible(visible(c.name)[:MAX_CHECKPOINT_NAME])
        if name and not any(same_name(name, other) for other, _ in named):
            named.append((name, c.along_m))
    return named[:MAX_CHECKPOINTS]


async def save_route(db: Database, who: scope.Organiser, planned: PlannedRoute, now: datetime) -> RouteSaved:
    """The run's planned route, in place of an earlier one; its named waypoints become the checkpoints."""

    def work(conn: sqlite3.Connection) -> RouteSaved:
        run = require_organiser(conn, who)
        routes.save(
            conn, run_id=run.id, name=planned.name, points=planned.route.points, length_m=planned.route.length_m,
            created_by=who.user_id, now=now,
        )  # fmt: skip
        checkpoints.replace_all(conn, run.id, _route_checkpoints(planned))
        checkpoint_news.mark_reached_quietly(conn, run, news.route_m(conn, run.id), run.local_date(now), now)
        saved = tuple(checkpoints.of_run(conn, run.id))
        return RouteSaved(run, planned, len(saved), saved, left_out=len(planned.checkpoints) - len(saved))

    return await db.transaction(work, changes=[ROUTE])


async def receive_route(
    db: Database, who: scope.Organiser, file_size: int | None, download: Callable[[], Awaitable[bytes]], now: datetime
) -> RouteSaved:
    """Check the size Telegram gives, download, read the route in the bounded child, then save it."""
    if file_size is not None:
        _refused(lambda: check_size(file_size, RouteFileError, ROUTE_SEND_INSTEAD))
    await db.read(lambda conn: require_organiser(conn, who))  # an ended run: say so before downloading
    data = await download()
    try:
        planned = await read_route_bounded(data)
    except RouteFileError as refused:
        raise UserError(refused.message) from None
    return await save_route(db, who, planned, now)


# --- Checkpoints ------------------------------------------------------------------------------------


async def add_checkpoint(db: Database, who: scope.Organiser, name: str, at_m: int, now: datetime) -> CheckpointSet:
    """Add (or move) a checkpoint at at_m metres along the route (or the run's distance, without a route)."""

    def work(conn: sqlite3.Connection) -> CheckpointSet:
        run = require_organiser(conn, who)
        length = routes.length_of(conn, run.id)
        limit = length if length is not None else run.distance_m
        if at_m > limit:
            what = "route" if length is not None else "run"
            raise UserError(f"The {what} is {km(limit)} km long: a checkpoint at km {km(at_m)} is past its end.")
        known = checkpoints.of_run(conn, run.id)
        same = next((c for c in known if c.name == name), None) or next(
            (c for c in known if same_name(c.name, name)), None
        )
        if same is None and len(known) >= MAX_CHECKPOINTS:
            raise UserError(
                f"A run has at most {MAX_CHECKPOINTS} checkpoints, and this one has them all."
                " Remove one first: /checkpoint remove Name."
            )
        if same is not None and same.name != name:
            checkpoints.rename(conn, same.id, name)  # "surat" moves (and respells) Surat, not a second one
        checkpoints.add(conn, run.id, name, at_m)
        checkpoint_news.mark_reached_quietly(conn, run, news.route_m(conn, run.id), run.local_date(now), now)
        stored = next(c for c in checkpoints.of_run(conn, run.id) if c.name == name)
        return CheckpointSet(run, stored)

    return await db.transaction(work, changes=[ROUTE])


async def remove_checkpoint(db: Database, who: scope.Organiser, name: str) -> CheckpointSet:
    def work(conn: sqlite3.Connection) -> CheckpointSet:
        run = require_organiser(conn, who)
        removed = checkpoints.remove(conn, run.id, name)
        if removed is None:
            names = [c.name for c in checkpoints.of_run(conn, run.id)]
            known = ", ".join(names[:NAMES_IN_A_REFUSAL]) or "none yet"
            if len(names) > NAMES_IN_A_REFUSAL:  # 100 names of 64 characters would pass Telegram's 4,096
                known += f" and {len(names) - NAMES_IN_A_REFUSAL} more (/checkpoints lists them)"
            raise UserError(f"There is no checkpoint called “{name}”. The checkpoints: {known}.")
        return CheckpointSet(run, removed)

    return await db.transaction(work, changes=[ROUTE])


async def checkpoint_report(db: Database, run_id: int, now: datetime) -> CheckpointReport:
    """/checkpoints: public, so its km and the checkpoints passed are the public ones (bot.services.public)."""

    def work(conn: sqlite3.Connection) -> CheckpointReport:
        run = require(conn, run_id)
        view = public.view_of(run, now)
        progress = public.progress(run, public.figures(conn, run, view))
        shown = public.checkpoints_of(conn, run, view, progress.covered_m)
        length = routes.length_of(conn, run.id) if view.route_shown else None
        return CheckpointReport(run, progress, shown, length, hidden=not view.route_shown)

    return await db.read(work)


# --- Activity files ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityMessage:
    """A document message with an activity file: who sent it, the file, the caption's note."""

    run_ids: tuple[int, ...]  # the runs it may be for: the one its start date falls in is chosen
    chat_run_id: int | None  # the run the chat is about, where the date fits several
    user_id: int
    first_name: str
    file_unique_id: str
    file_name: str
    file_size: int | None
    note: str | None
    chat_id: int
    message_id: int


async def receive_activity(
    db: Database, message: ActivityMessage, download: Callable[[], Awaitable[bytes]], now: datetime
) -> ActivityPosted | ActivityLogged:
    """Check the size Telegram gives, refuse a file counted already, download it, read it in the bounded
    child, then post it (runners) or log it (everyone else) in one transaction."""
    if message.file_size is not None:
        _refused(lambda: check_size(message.file_size or 0, ActivityFileError, SEND_INSTEAD))
    await db.read(lambda conn: _may_receive(conn, message))
    data = await download()
    activity = await _read(data, message.file_name)
    return await db.transaction(lambda conn: _record(conn, message, activity, now), changes=[ROUTE, SUPPORTERS])


def _refused(check: Callable[[], object]) -> None:
    try:
        check()
    except FileRefusedError as refused:
        raise UserError(refused.message) from None


async def _read(data: bytes, file_name: str) -> Activity:
    try:
        return await read_activity_bounded(data, file_name)
    except ActivityFileError as refused:
        raise UserError(refused.message) from None


def _may_receive(conn: sqlite3.Connection, m: ActivityMessage) -> None:
    """Before downloading: a run open, and this file not counted yet."""
    for run_id in m.run_ids:
        require_open(conn, run_id)
    _not_counted(conn, m.file_unique_id)


def _run_of(conn: sqlite3.Connection, m: ActivityMessage, activity: Activity) -> Run:
    """Of the runs the file may be for, the one whose days hold its start (several: the question)."""
    found = [require_open(conn, run_id) for run_id in m.run_ids]
    if len(found) == 1:
        return found[0]
    within = [r for r in found if r.start_date <= activity.day(r.timezone) <= r.end_date]
    if len(within) == 1:
        return within[0]
    chosen = next((r for r in within or found if r.id == m.chat_run_id), None)
    if chosen is not None:
        return chosen
    raise scope.WhichRun(within or found)


def _not_counted(conn: sqlite3.Connection, file_unique_id: str) -> None:
    if activity_files.get(conn, file_unique_id) is not None:
        raise UserError("This activity file was counted already: the same file counts once. /undo removes it.")


FUTURE_TOLERANCE = timedelta(minutes=10)
"""A watch's clock may run a little ahead of Telegram's: an activity may start this long after its message."""


def _in_time(run: Run, activity: Activity, now: datetime) -> Activity:
    """The activity, its zone-less times read as the run's local time when read as UTC (as GPX says) they
    would start after the file was sent: an app that writes local time without a zone, east of UTC."""
    if not activity.zoneless or activity.started_at <= now + FUTURE_TOLERANCE:
        return activity
    local = activity.started_at.replace(tzinfo=None).replace(tzinfo=run.tz).astimezone(UTC)
    return replace(activity, started_at=local) if local <= now + FUTURE_TOLERANCE else activity


def _activity_day(run: Run, activity: Activity, now: datetime) -> date:
    if activity.started_at > now + FUTURE_TOLERANCE:
        started = activity.started_at.astimezone(run.tz)
        raise UserError(
            f"This activity starts on {started:%d %b %Y at %H:%M} ({run.timezone}), after you sent it, so it was not"
            " counted. Is the watch's clock right? Send the file again once it is, or post the km with /update"
            " (runners) or /log."
        )
    day = activity.day(run.timezone)
    if not run.start_date <= day <= run.end_date:
        raise UserError(
            f"This activity started on {day:%d %b %Y}, outside {run.title} ({run.start_date:%d %b} to"
            f" {run.end_date:%d %b %Y}), so it was not counted."
        )
    return day


SAME_START_S = 60
"""Two files of one person whose activities start this close are the same activity."""


def _not_sent_before(conn: sqlite3.Connection, run: Run, m: ActivityMessage, activity: Activity) -> None:
    if activity_files.started_near(conn, run.id, m.user_id, activity.started_at, SAME_START_S) is not None:
        started = activity.started_at.astimezone(run.tz)
        raise UserError(
            f"You sent this activity already (the one that started on {started:%d %b at %H:%M}), as another file:"
            " it counts once."
        )


def _record(
    conn: sqlite3.Connection, m: ActivityMessage, activity: Activity, now: datetime
) -> ActivityPosted | ActivityLogged:
    run = _run_of(conn, m, activity)
    _not_counted(conn, m.file_unique_id)
    activity = _in_time(run, activity, now)
    _not_sent_before(conn, run, m, activity)
    reason = implausible(activity.distance_m, activity.duration.total_seconds())
    if reason:
        raise UserError(
            f"This activity says {km(activity.distance_m)} km in {_minutes(activity)}: {reason}. It was not counted;"
            " post the km with /update (runners) or /log if they are right."
        )
    day = _activity_day(run, activity, now)
    runner = runners.get(conn, run.id, m.user_id)
    if runner is None:
        before = logs.supporter_day_total(conn, run.id, m.user_id, day, m.chat_id, m.message_id)
        plausibility.check_supporter_day(before, activity.distance_m, day)  # a watch file counts like a /log
        by_hand = activity_files.logged_by_hand(conn, run.id, m.user_id, day)
        logged = _log(conn, run, m, activity, day, now)
        _keep_file(conn, m, run, activity, now, log_id=logged.log.id)
        return ActivityLogged(logged, activity, by_hand_m=by_hand)
    by_hand = sum(
        e.update.metres
        for e in updates.of_day(conn, run.id, day)
        if e.update.runner_id == runner.id and activity_files.track_of_update(conn, e.update.id) is None
    )
    before = updates.runner_day_total(conn, run.id, runner.id, day, m.chat_id, m.message_id)
    plausibility.check_runner_day(before, activity.distance_m, day)  # a watch file counts like an /update
    stored = updates.add(
        conn, run_id=run.id, runner_id=runner.id, local_day=day, metres=activity.distance_m, note=m.note,
        photo_file_id=None, chat_id=m.chat_id, message_id=m.message_id, at=now,
    )  # fmt: skip
    if stored is None:
        raise UserError("This message was counted already.")
    _keep_file(conn, m, run, activity, now, update_id=stored.id)
    total = next(t.metres for t in runners.totals(conn, run.id) if t.runner.id == runner.id)
    posted = Posted(run, runner, stored, total, is_new=True)
    news.new_update(conn, posted, now)
    end = activity.track[-1]
    positions.save(
        conn, run_id=run.id, runner_id=runner.id, latitude=end[0], longitude=end[1], chat_id=m.chat_id,
        message_id=m.message_id, at=min(activity.started_at + activity.duration, now),
    )  # fmt: skip
    return ActivityPosted(
        posted, activity, day_number(day, run.start_date), _place_of(conn, run, end), by_hand_m=by_hand
    )


def _log(
    conn: sqlite3.Connection, run: Run, m: ActivityMessage, activity: Activity, day: date, now: datetime
) -> Logged:
    pledges.join_run(conn, run, m.user_id, m.first_name, now)
    entry = LogEntry(metres=activity.distance_m, yesterday=False, note=m.note)
    stored = logs.add(
        conn, run_id=run.id, user_id=m.user_id, local_day=day, metres=entry.metres, note=entry.note,
        chat_id=m.chat_id, message_id=m.message_id, at=now,
    )  # fmt: skip
    if stored is None:
        raise UserError("This message was counted already.")
    return pledges.standing_after_log(conn, run, m.first_name, stored, now)


def _place_of(conn: sqlite3.Connection, run: Run, point: tuple[float, float]) -> Nearby | None:
    route = checkpoint_news.route_of(conn, run.id)
    if route is None:
        return None
    marks = [RouteCheckpoint(c.name, c.at_m) for c in checkpoints.of_run(conn, run.id)]
    return nearby(place(route, point[0], point[1]), marks)


def _keep_file(
    conn: sqlite3.Connection, m: ActivityMessage, run: Run, activity: Activity, now: datetime, *,
    update_id: int | None = None, log_id: int | None = None,
) -> None:  # fmt: skip
    activity_files.add(
        conn, file_unique_id=m.file_unique_id, run_id=run.id, user_id=m.user_id, update_id=update_id,
        log_id=log_id, started_at=activity.started_at, duration_s=round(activity.duration.total_seconds()),
        track=activity.track, now=now,
    )  # fmt: skip


def _minutes(activity: Activity) -> str:
    return duration_text(activity.duration.total_seconds())
