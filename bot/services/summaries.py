"""The daily summary: which chats are due for one now, and the figures of a run's local day."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import stats
from bot.pictures import ChartData
from bot.services import checkpoints as checkpoint_news
from bot.services import live
from bot.services.chats import LogKey
from bot.services.pledges import DayActivity, day_activity
from storage import runners, runs, subscriptions, updates
from storage.db import Database
from storage.deliveries import FINAL, SUMMARY
from storage.positions import Position
from storage.runs import Run
from storage.updates import DayEntry


def kind_due(run: Run, day: date) -> str | None:
    """Which summary a chat gets on its local `day`: a daily one from the start up to the end date
    (or up to the day before an organiser closed the run), the final one the day after (or on the
    closing day), then none."""
    final_day = run.end_date + timedelta(days=1)
    if run.ended_at:
        final_day = min(final_day, run.local_date(run.ended_at))
    if day < run.start_date or day > final_day:
        return None
    return FINAL if day == final_day else SUMMARY


@dataclass(frozen=True)
class DaySummary:
    run: Run
    day: date  # the local day summarised
    progress: stats.Progress  # the route as of the end of that day
    entries: list[DayEntry]  # that day's updates, in the order they were posted
    position: Position | None
    final: bool
    where: checkpoint_news.Where | None = None  # on the planned route, and the next checkpoint


def day_summary(conn: sqlite3.Connection, run: Run, day: date, now: datetime, final: bool = False) -> DaySummary:
    totals = runners.totals_until(conn, run.id, day)
    progress = stats.progress(
        run.distance_m,
        run.start_date,
        run.end_date,
        covered_m=sum(t.metres for t in totals if t.runner.is_lead),
        today=day,
        ended_on=run.local_date(run.ended_at) if run.ended_at else None,
    )
    entries = updates.of_day(conn, run.id, day)
    position = live.public_position_of(conn, run, now)
    where = checkpoint_news.where(conn, run, progress.covered_m, progress.average_m_per_day, position, day)
    return DaySummary(run, day, progress, entries, position, final, where)


@dataclass(frozen=True)
class Batch:
    """One summary text to render, and the chats it goes to now."""

    key: LogKey
    summary: DaySummary
    chat_ids: list[int]
    supporters: DayActivity  # the supporters' side of the day, read once for all the chats
    chart: ChartData  # the run's figures up to that day, for its chart


async def due(db: Database, now: datetime) -> list[Batch]:
    """The chats whose summary time has come today (their local day, in their zone) and that have not
    had today's summary: grouped by the day summarised, so each text is rendered once.
    A chat whose time passed while the bot was down is due until its local day ends. One trip."""
    return await db.read(lambda conn: _due(conn, now))


def _due(conn: sqlite3.Connection, now: datetime) -> list[Batch]:
    run = runs.current(conn)
    if run is None:
        return []
    due_chats: dict[tuple[str, date], list[int]] = {}
    for zone in subscriptions.zones(conn):
        local = now.astimezone(ZoneInfo(zone or run.timezone))
        kind = kind_due(run, local.date())
        if kind is None:
            continue
        chats = subscriptions.due(
            conn, timezone=zone, until=f"{local:%H:%M}", day=local.date(), kind=kind, run_id=run.id
        )
        if chats:
            due_chats.setdefault((kind, local.date()), []).extend(chats)
    return [
        Batch(
            LogKey(kind, run.id, day),
            day_summary(conn, run, day, now, final=kind == FINAL),
            chats,
            day_activity(conn, run, day),
            live.chart_data(conn, run, day),
        )
        for (kind, day), chats in sorted(due_chats.items(), key=lambda item: item[0][1])
    ]
