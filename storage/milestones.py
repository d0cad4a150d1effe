"""Route milestones (25, 50, 75, 100 % of the distance) a run has reached, each recorded once."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from storage.clock import to_text
from storage.sql import fetch_all

PERCENTS = (25, 50, 75, 100)


def reach(conn: sqlite3.Connection, run_id: int, percents: list[int], day: date, now: datetime) -> list[int]:
    """Record the milestones; return those reached for the first time (the others were recorded before)."""
    new = []
    for percent in percents:
        cur = conn.execute(
            "INSERT INTO milestones (run_id, percent, reached_on, reached_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT DO NOTHING",
            (run_id, percent, day.isoformat(), to_text(now)),
        )
        if cur.rowcount == 1:
            new.append(percent)
    return new


def of_run(conn: sqlite3.Connection, run_id: int) -> list[int]:
    rows = fetch_all(conn, "SELECT percent FROM milestones WHERE run_id = ? ORDER BY percent", (run_id,))
    return [row[0] for row in rows]


def release_above(conn: sqlite3.Connection, run_id: int, route_m: int, distance_m: int) -> list[int]:
    """The route went back (an update undone or corrected down): forget the milestones it no longer
    reaches, so they are announced again when it really passes them; return them."""
    rows = fetch_all(
        conn,
        "DELETE FROM milestones WHERE run_id = ? AND ? * 100 < percent * ? RETURNING percent",
        (run_id, route_m, distance_m),
    )
    return sorted(row[0] for row in rows)
