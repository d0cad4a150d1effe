"""Route milestones (25, 50, 75, 100 % of the distance) a run has reached, each recorded once."""

from __future__ import annotations

from datetime import date, datetime

import aiosqlite

from storage.clock import to_text

PERCENTS = (25, 50, 75, 100)


async def reach(conn: aiosqlite.Connection, run_id: int, percents: list[int], day: date, now: datetime) -> list[int]:
    """Record the milestones; return those reached for the first time (the others were recorded before)."""
    new = []
    for percent in percents:
        cur = await conn.execute(
            "INSERT INTO milestones (run_id, percent, reached_on, reached_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (run_id, percent, day.isoformat(), to_text(now)),
        )
        if cur.rowcount == 1:
            new.append(percent)
    return new


async def of_run(conn: aiosqlite.Connection, run_id: int) -> list[int]:
    rows = await conn.execute_fetchall("SELECT percent FROM milestones WHERE run_id = ? ORDER BY percent", (run_id,))
    return [row[0] for row in rows]
