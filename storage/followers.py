"""People who get a private message for each update of a run they follow."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage.clock import to_text
from storage.sql import fetch_all, fetch_one


def add(conn: sqlite3.Connection, run_id: int, user_id: int, now: datetime) -> bool:
    """False when the user follows that run already."""
    cur = conn.execute(
        "INSERT INTO followers (run_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
        (run_id, user_id, to_text(now)),
    )
    return cur.rowcount == 1


def remove(conn: sqlite3.Connection, run_id: int, user_id: int) -> bool:
    cur = conn.execute("DELETE FROM followers WHERE run_id = ? AND user_id = ?", (run_id, user_id))
    return cur.rowcount == 1


def remove_everywhere(conn: sqlite3.Connection, user_id: int) -> None:
    """The person blocked the bot: they follow nothing any more."""
    conn.execute("DELETE FROM followers WHERE user_id = ?", (user_id,))


def is_following(conn: sqlite3.Connection, run_id: int, user_id: int) -> bool:
    row = fetch_one(conn, "SELECT 1 FROM followers WHERE run_id = ? AND user_id = ?", (run_id, user_id))
    return row is not None


def of_run(conn: sqlite3.Connection, run_id: int) -> list[int]:
    rows = fetch_all(conn, "SELECT user_id FROM followers WHERE run_id = ? ORDER BY user_id", (run_id,))
    return [row[0] for row in rows]
