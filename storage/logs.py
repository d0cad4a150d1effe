"""Supporters' own km: one row per /log message, for a local day of the run."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from storage.clock import to_text
from storage.sql import fetch_one, fetch_row


@dataclass(frozen=True)
class Log:
    id: int
    run_id: int
    user_id: int
    local_day: date
    metres: int
    note: str | None
    chat_id: int
    message_id: int


@dataclass(frozen=True)
class DayTop:
    first_name: str
    metres: int


def _log(row: sqlite3.Row) -> Log:
    return Log(
        row["id"],
        row["run_id"],
        row["user_id"],
        date.fromisoformat(row["local_day"]),
        row["metres"],
        row["note"],
        row["chat_id"],
        row["message_id"],
    )


def add(
    conn: sqlite3.Connection,
    *,
    run_id: int,
    user_id: int,
    local_day: date,
    metres: int,
    note: str | None,
    chat_id: int,
    message_id: int,
    at: datetime,
) -> Log | None:
    """The stored log, or None when this message was stored already (a re-delivery)."""
    row = fetch_one(
        conn,
        "INSERT INTO logs (run_id, user_id, local_day, metres, note, chat_id, message_id, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO NOTHING RETURNING *",
        (run_id, user_id, local_day.isoformat(), metres, note, chat_id, message_id, to_text(at)),
    )
    return _log(row) if row else None


def by_message(conn: sqlite3.Connection, chat_id: int, message_id: int) -> Log | None:
    row = fetch_one(conn, "SELECT * FROM logs WHERE chat_id = ? AND message_id = ?", (chat_id, message_id))
    return _log(row) if row else None


def correct(conn: sqlite3.Connection, log_id: int, local_day: date, metres: int, note: str | None, at: datetime) -> Log:
    row = fetch_row(
        conn,
        "UPDATE logs SET local_day = ?, metres = ?, note = ?, edited_at = ? WHERE id = ? RETURNING *",
        (local_day.isoformat(), metres, note, to_text(at), log_id),
    )
    return _log(row)


def last_of(conn: sqlite3.Connection, run_id: int, user_id: int) -> Log | None:
    row = fetch_one(
        conn, "SELECT * FROM logs WHERE run_id = ? AND user_id = ? ORDER BY id DESC LIMIT 1", (run_id, user_id)
    )
    return _log(row) if row else None


def delete(conn: sqlite3.Connection, log_id: int) -> None:
    conn.execute("DELETE FROM logs WHERE id = ?", (log_id,))


def day_total(conn: sqlite3.Connection, run_id: int, local_day: date) -> int:
    """Km logged for that local day by everyone (reads that day's logs only)."""
    (value,) = fetch_row(
        conn,
        "SELECT COALESCE(SUM(metres), 0) FROM logs WHERE run_id = ? AND local_day = ?",
        (run_id, local_day.isoformat()),
    )
    return value


def day_top(conn: sqlite3.Connection, run_id: int, local_day: date) -> DayTop | None:
    """The supporter on the board (not hidden) who logged the most km for that local day."""
    row = fetch_one(
        conn,
        "SELECT s.first_name, d.metres FROM"
        " (SELECT user_id, SUM(metres) AS metres, MIN(id) AS first FROM logs"
        "  WHERE run_id = ? AND local_day = ? GROUP BY user_id) d"
        " JOIN pledges p ON p.run_id = ? AND p.user_id = d.user_id AND p.hidden = 0"
        " JOIN supporters s ON s.user_id = d.user_id"
        " ORDER BY d.metres DESC, d.first LIMIT 1",
        (run_id, local_day.isoformat(), run_id),
    )
    return DayTop(row[0], row[1]) if row else None


def supporter_day_total(
    conn: sqlite3.Connection, run_id: int, user_id: int, local_day: date, chat_id: int, message_id: int
) -> int:
    """The supporter's km logged for that local day, without the log of that message (the one being logged or
    edited). Read down logs_by_run_day."""
    (value,) = conn.execute(
        "SELECT COALESCE(SUM(metres), 0) FROM logs WHERE run_id = ? AND local_day = ? AND user_id = ?"
        " AND NOT (chat_id = ? AND message_id = ?)",
        (run_id, local_day.isoformat(), user_id, chat_id, message_id),
    ).fetchone()
    return int(value)
