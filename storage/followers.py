"""Users who get a private message for each runner update."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from storage.clock import to_text
from storage.sql import fetch_one


async def add(conn: aiosqlite.Connection, user_id: int, now: datetime) -> bool:
    """False when the user follows already."""
    cur = await conn.execute(
        "INSERT INTO followers (user_id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", (user_id, to_text(now))
    )
    return cur.rowcount == 1


async def remove(conn: aiosqlite.Connection, user_id: int) -> bool:
    cur = await conn.execute("DELETE FROM followers WHERE user_id = ?", (user_id,))
    return cur.rowcount == 1


async def is_following(conn: aiosqlite.Connection, user_id: int) -> bool:
    row = await fetch_one(conn, "SELECT 1 FROM followers WHERE user_id = ?", (user_id,))
    return row is not None


async def all_ids(conn: aiosqlite.Connection) -> list[int]:
    rows = await conn.execute_fetchall("SELECT user_id FROM followers ORDER BY user_id")
    return [row[0] for row in rows]
