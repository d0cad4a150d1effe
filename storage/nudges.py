"""The local days of a run whose pace reminders are all sent (see 0004_nudges.sql)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from storage.clock import to_text
from storage.sql import fetch_one


def day_done(conn: sqlite3.Connection, run_id: int, day: date) -> bool:
    row = fetch_one(conn, "SELECT 1 FROM nudge_days WHERE run_id = ? AND day = ?", (run_id, day.isoformat()))
    return row is not None


def mark_day_done(conn: sqlite3.Connection, run_id: int, day: date, now: datetime) -> None:
    conn.execute(
        "INSERT INTO nudge_days (run_id, day, done_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (run_id, day.isoformat(), to_text(now)),
    )
