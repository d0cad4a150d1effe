"""The log of scheduled messages: one row per (chat, kind, run, local day), claimed before sending."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from storage.clock import to_text
from storage.sql import fetch_one

SUMMARY, FINAL, NUDGE = "summary", "final", "nudge"
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Delivery:
    id: int
    chat_id: int
    kind: str
    run_id: int
    day: date
    status: str
    attempts: int


def _delivery(row: aiosqlite.Row) -> Delivery:
    return Delivery(
        row["id"],
        row["chat_id"],
        row["kind"],
        row["run_id"],
        date.fromisoformat(row["day"]),
        row["status"],
        row["attempts"],
    )


async def claim(
    conn: aiosqlite.Connection, *, chat_id: int, kind: str, run_id: int, day: date, now: datetime
) -> int | None:
    """Claim the right to send this message: the row's id, or None when it is sent, being sent or given up.

    One statement, so two processes (or two passes) can never both hold the claim."""
    row = await fetch_one(
        conn,
        "INSERT INTO deliveries (chat_id, kind, run_id, day, claimed_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (chat_id, kind, run_id, day) DO UPDATE SET status = 'sending',"
        " attempts = deliveries.attempts + 1, claimed_at = excluded.claimed_at, error = NULL"
        " WHERE deliveries.status = 'retry' RETURNING id",
        (chat_id, kind, run_id, day.isoformat(), to_text(now)),
    )
    return row[0] if row else None


async def mark_sent(conn: aiosqlite.Connection, delivery_id: int, message_id: int | None, now: datetime) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'sent', sent_at = ?, message_id = ? WHERE id = ?",
        (to_text(now), message_id, delivery_id),
    )


async def mark_failed(conn: aiosqlite.Connection, delivery_id: int, error: str, retry: bool) -> None:
    """Not sent: `retry` lets a later pass claim it again, until MAX_ATTEMPTS."""
    await conn.execute(
        "UPDATE deliveries SET status = CASE WHEN ? AND attempts < ? THEN 'retry' ELSE 'failed' END, error = ?"
        " WHERE id = ?",
        (retry, MAX_ATTEMPTS, error[:500], delivery_id),
    )


async def of_chat(conn: aiosqlite.Connection, chat_id: int) -> list[Delivery]:
    rows = await conn.execute_fetchall("SELECT * FROM deliveries WHERE chat_id = ? ORDER BY id", (chat_id,))
    return [_delivery(row) for row in rows]
