"""Users who get a private message for each runner update."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from storage.clock import to_text
from storage.sql import fetch_all, fetch_one


def add(conn: sqlite3.Connection, user_id: int, now: datetime) -> bool:
    """False when the user follows already."""
    cur = conn.execute(
        "INSERT INTO followers (user_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (user_id, to_text(now))
    )
    return cur.rowcount == 1


def remove(conn: sqlite3.Connection, user_id: int) -> bool:
    cur = conn.execute("DELETE FROM followers WHERE user_id = ?", (user_id,))
    return cur.rowcount == 1


def is_following(conn: sqlite3.Connection, user_id: int) -> bool:
    row = fetch_one(conn, "SELECT 1 FROM followers WHERE user_id = ?", (user_id,))
    return row is not None


def all_ids(conn: sqlite3.Connection) -> list[int]:
    rows = fetch_all(conn, "SELECT user_id FROM followers ORDER BY user_id")
    return [row[0] for row in rows]
