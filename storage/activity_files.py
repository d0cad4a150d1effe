"""Activity files (GPX, FIT) by Telegram's file_unique_id: the update or log each made, and its track."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from storage.clock import to_text
from storage.sql import fetch_one, fetch_row


@dataclass(frozen=True)
class ActivityFile:
    file_unique_id: str
    run_id: int
    user_id: int
    update_id: int | None
    log_id: int | None


def get(conn: sqlite3.Connection, file_unique_id: str) -> ActivityFile | None:
    row = fetch_one(
        conn,
        "SELECT file_unique_id, run_id, user_id, update_id, log_id FROM activity_files WHERE file_unique_id = ?",
        (file_unique_id,),
    )
    return ActivityFile(*row) if row else None


def add(
    conn: sqlite3.Connection,
    *,
    file_unique_id: str,
    run_id: int,
    user_id: int,
    update_id: int | None = None,
    log_id: int | None = None,
    started_at: datetime,
    duration_s: int,
    track: Sequence[tuple[float, float]],
    now: datetime,
) -> None:
    conn.execute(
        "INSERT INTO activity_files (file_unique_id, run_id, user_id, update_id, log_id, started_at, duration_s,"
        " track, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (file_unique_id, run_id, user_id, update_id, log_id, to_text(started_at), duration_s,
         json.dumps([list(p) for p in track]), to_text(now)),
    )  # fmt: skip


def track_of_update(conn: sqlite3.Connection, update_id: int) -> list[tuple[float, float]] | None:
    row = fetch_one(conn, "SELECT track FROM activity_files WHERE update_id = ?", (update_id,))
    return [(float(a), float(b)) for a, b in json.loads(row[0])] if row else None


def started_near(
    conn: sqlite3.Connection, run_id: int, user_id: int, started_at: datetime, within_s: int
) -> ActivityFile | None:
    """The user's activity file of this run that started within within_s seconds of started_at (the same
    activity sent again as another file: re-uploaded, renamed, or exported as GPX after FIT), or None."""
    low, high = (to_text(started_at + timedelta(seconds=s)) for s in (-within_s, within_s))
    row = fetch_one(
        conn,
        "SELECT file_unique_id, run_id, user_id, update_id, log_id FROM activity_files"
        " WHERE run_id = ? AND user_id = ? AND started_at BETWEEN ? AND ? LIMIT 1",
        (run_id, user_id, low, high),
    )
    return ActivityFile(*row) if row else None


def logged_by_hand(conn: sqlite3.Connection, run_id: int, user_id: int, local_day: date) -> int:
    """Metres the user logged for that local day with /log, not from an activity file."""
    (value,) = fetch_row(
        conn,
        "SELECT COALESCE(SUM(l.metres), 0) FROM logs l WHERE l.run_id = ? AND l.user_id = ? AND l.local_day = ?"
        " AND NOT EXISTS (SELECT 1 FROM activity_files f WHERE f.log_id = l.id)",
        (run_id, user_id, local_day.isoformat()),
    )
    return int(value)
