"""Supporters: Telegram users who pledged or logged km; the first name shown, /hideme and /quiet."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage.clock import to_text


def save(conn: sqlite3.Connection, user_id: int, first_name: str, now: datetime) -> None:
    """Create the supporter or refresh the first name they now use."""
    conn.execute(
        "INSERT INTO supporters (user_id, first_name, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET first_name = excluded.first_name, updated_at = excluded.updated_at",
        (user_id, first_name, to_text(now)),
    )


def set_hidden(conn: sqlite3.Connection, user_id: int, hidden: bool) -> None:
    """Keep the supporter off (or put them back on) the /supporters board of every run."""
    conn.execute("UPDATE supporters SET hidden = ? WHERE user_id = ?", (int(hidden), user_id))


def set_quiet(conn: sqlite3.Connection, user_id: int, quiet: bool) -> bool:
    """/quiet (or /nudge): no private pace reminders (or them again). False when it was so already."""
    cur = conn.execute(
        "UPDATE supporters SET quiet = ? WHERE user_id = ? AND quiet != ?", (int(quiet), user_id, int(quiet))
    )
    return cur.rowcount == 1


def first_name(conn: sqlite3.Connection, user_id: int) -> str | None:
    row = conn.execute("SELECT first_name FROM supporters WHERE user_id = ?", (user_id,)).fetchone()
    return row[0] if row else None
