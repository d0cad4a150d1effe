"""Ids of Telegram updates already handled, so a re-delivered update changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import aiosqlite

from storage.clock import to_text


async def mark_many(conn: aiosqlite.Connection, marks: Iterable[tuple[int, datetime]]) -> None:
    """`marks`: (update id, handled at) pairs."""
    await conn.executemany(
        "INSERT INTO handled_updates (update_id, handled_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        ((update_id, to_text(at)) for update_id, at in marks),
    )


async def since(conn: aiosqlite.Connection, moment: datetime) -> set[int]:
    rows = await conn.execute_fetchall(
        "SELECT update_id FROM handled_updates WHERE handled_at >= ?", (to_text(moment),)
    )
    return {row[0] for row in rows}


async def forget_before(conn: aiosqlite.Connection, moment: datetime) -> None:
    await conn.execute("DELETE FROM handled_updates WHERE handled_at < ?", (to_text(moment),))
