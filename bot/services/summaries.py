"""The daily summary: which chats are due for one now, and the figures of a run's local day."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.time_zones import UnknownTimeZone, time_zone
from bot.services import checkpoints as checkpoint_news
from bot.services import live, public
from bot.services.chats import LogKey
from bot.services.pledges import day_activity
from bot.services.results import ChartData, DayActivity, DaySummary
from storage import runs, subscriptions
from storage.db import Database
from storage.deliveries import FINAL, SUMMARY
from storage.runs import Run

log = logging.getLogger(__name__)

CATCH_UP = timedelta(days=7)  # a final summary missed (bot down, end date moved back) is sent this long after
TURN = time(18)  # a summary made before this time of the run's day covers the day before


def final_day(run: Run) -> date:
    """The day the final summary covers: the day after the end date, or the day an organiser closed the run."""
    last = run.end_date + timedelta(days=1) if run.end_date < date.max else date.max
    return min(last, run.local_date(run.ended_at)) if run.ended_at else last


def kind_due(run: Run, day: date) -> str | None:
    """Which summary covers the run's local `day`: a daily one from the start up to the end date (or up to
    the day before an organiser closed the run), the final one from the day after, then none."""
    key = summary_key(run, day)
    return key[0] if key else None


def summary_key(run: Run, day: date) -> tuple[str, date] | None:
    """(kind, the run's day it covers) for a summary made on the run's `day`. The final one is keyed by its
    own day, whatever day it is sent on: sent once, also when the end date was moved into the past."""
    if day < run.start_date:
        return None
    last = final_day(run)
    if day < last:
        return SUMMARY, day
    if day - last <= CATCH_UP:
        return FINAL, last
    return None


def summarised_day(run: Run, moment: datetime) -> date:
    """The run's day a summary sent at `moment` covers: the run's day if it is 18:00 or later there (the
    runners have posted), else the day before, which is over. At 21:00 in the run's zone (or at 07:00 in a
    group 8.5 hours ahead, 22:30 in the run's zone) it is that day; at 06:00 there, or at 21:00 in a group
    15.5 hours behind (12:30 the next day in the run's zone), the day before. For any chat, consecutive
    summaries cover consecutive days: each day is summarised once, wherever the chat is."""
    turn = timedelta(hours=TURN.hour, minutes=TURN.minute)
    return (moment.astimezone(run.tz) - turn).date()


@dataclass(frozen=True)
class Window:
    """Chats of a time zone whose summary time is in [since, until] (HH:MM) cover the run's `day`."""

    since: str
    until: str
    day: date


def windows(run: Run, zone: ZoneInfo, now: datetime) -> list[Window]:
    """Split the chats of `zone` whose time has come today (their local day) by the run's day they cover:
    it changes where the run's 18:00 (TURN) falls in their day."""
    local = now.astimezone(zone)
    midnight = datetime.combine(local.date(), time(0), tzinfo=zone)
    first, last = summarised_day(run, midnight), summarised_day(run, local)
    found, since, day = [], "00:00", first
    while day < last:
        switch = datetime.combine(day + timedelta(days=1), TURN, tzinfo=run.tz).astimezone(zone)
        switch_minute = switch.replace(second=0, microsecond=0)
        if switch_minute < switch:
            switch_minute += timedelta(minutes=1)
        before = (switch_minute - timedelta(minutes=1)).strftime("%H:%M")
        if switch_minute.date() == local.date() and before >= since:
            found.append(Window(since, before, day))
            since = switch_minute.strftime("%H:%M")
        day += timedelta(days=1)
    found.append(Window(since, f"{local:%H:%M}", last))
    return found


def day_summary(conn: sqlite3.Connection, run: Run, day: date, now: datetime, final: bool = False) -> DaySummary:
    """The summary of the run's local `day`, sent at `now`: public figures (bot.services.public), so under a
    delay it counts what was posted by now - the delay, under coarse its km are rounded, and so on."""
    view = public.view_of(run, now)
    fig = public.figures(conn, run, view, last_day=day)
    progress = public.progress(run, fig, today=day)
    lines, _ = public.day_of(conn, run, fig, day)
    position = public.position(conn, run, view)
    where = checkpoint_news.where(conn, run, progress.covered_m, progress.average_m_per_day, position, day, view)
    return DaySummary(run, day, progress, lines, position, final, where)


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
    since = (now - CATCH_UP - timedelta(days=2)).date()  # a final summary may be owed this long after the end
    return [batch for run in runs.summarising(conn, since) for batch in _due_of_run(conn, run, now)]


def _due_of_run(conn: sqlite3.Connection, run: Run, now: datetime) -> list[Batch]:
    due_chats: dict[tuple[str, date], list[int]] = {}
    for zone in subscriptions.zones(conn, run.id):
        try:
            tz = time_zone(zone or run.timezone)
        except UnknownTimeZone:  # a zone this system no longer knows: its chats wait, the others go on
            log.warning("Unknown time zone %r in the subscriptions: its chats get no summary", zone)
            continue
        for window in windows(run, tz, now):
            key = summary_key(run, window.day)
            if key is None:
                continue
            kind, day = key
            chats = subscriptions.due(
                conn,
                timezone=zone,
                since=window.since,
                until=window.until,
                starts_by=now.astimezone(tz).date(),
                day=day,
                kind=kind,
                run_id=run.id,
            )
            if chats:
                due_chats.setdefault((kind, day), []).extend(chats)
    return [
        Batch(
            LogKey(kind, run.id, day),
            day_summary(conn, run, day, now, final=kind == FINAL),
            chats,
            day_activity(conn, run, day),
            live.chart_data(conn, run, day, public.view_of(run, now)),
        )
        for (kind, day), chats in sorted(due_chats.items(), key=lambda item: item[0][1])
    ]
