"""Private pace reminders: a supporter behind the pace of their pledge gets one short message a day,
at the default summary time in the run's time zone, until the run ends; /quiet stops them, /nudge
turns them back on."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from bot.services.chats import LogKey
from bot.services.pledges import behind_pace
from bot.services.results import Behind, Reminders
from storage import nudges, runs, supporters
from storage.db import SUPPORTERS, Database
from storage.deliveries import NUDGE
from storage.runs import Run


def is_nudge_day(run: Run, day: date) -> bool:
    """The run's days, up to the last one; none from the day an organiser closed the run."""
    if run.ended_at and day >= run.local_date(run.ended_at):
        return False
    return run.start_date <= day <= run.end_date


@dataclass(frozen=True)
class Due:
    """Today's reminders: one message for each supporter behind, keyed per chat in the delivery log."""

    key: LogKey
    run: Run
    behind: list[Behind]


async def due(db: Database, now: datetime, summary_time: str) -> list[Due]:
    """The reminders of each open run's local day once its summary time has come, until they are all out.
    Costs one small read a minute per open run; the pledges are read once, when the time comes."""
    return await db.read(
        lambda conn: [d for run in runs.open_runs(conn, limit=None) if (d := _due(conn, run, now, summary_time))]
    )


def _due(conn: sqlite3.Connection, run: Run, now: datetime, summary_time: str) -> Due | None:
    local = now.astimezone(run.tz)
    day = local.date()
    if f"{local:%H:%M}" < summary_time or not is_nudge_day(run, day) or nudges.day_done(conn, run.id, day):
        return None
    return Due(LogKey(NUDGE, run.id, day), run, behind_pace(conn, run, day))


async def day_done(db: Database, key: LogKey, now: datetime) -> None:
    await db.transaction(lambda conn: nudges.mark_day_done(conn, key.run_id, key.day, now), changes=())


async def set_quiet(db: Database, user_id: int, first_name: str, quiet: bool, at: datetime) -> Reminders:
    """/quiet, /nudge: no pace reminders (or them again), in every run."""

    def work(conn: sqlite3.Connection) -> Reminders:
        supporters.save(conn, user_id, first_name, at)
        changed = supporters.set_quiet(conn, user_id, quiet)
        open_ones = [r for r in runs.of_member(conn, user_id) if r.is_open]
        return Reminders(quiet, changed, open_ones[0] if len(open_ones) == 1 else None)

    return await db.transaction(work, changes=[SUPPORTERS])  # the first name may change on the board
