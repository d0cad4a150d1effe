"""The log of scheduled messages: one row per (chat, kind, run, local day), claimed before sending."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from storage.clock import to_text
from storage.sql import fetch_all

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


def _delivery(row: sqlite3.Row) -> Delivery:
    return Delivery(
        row["id"],
        row["chat_id"],
        row["kind"],
        row["run_id"],
        date.fromisoformat(row["day"]),
        row["status"],
        row["attempts"],
    )


def claim(
    conn: sqlite3.Connection, chat_ids: Sequence[int], *, kind: str, run_id: int, day: date, now: datetime
) -> dict[int, int]:
    """Claim the right to send this message to these chats: {chat id: delivery id} for those this pass
    may send, leaving out the ones sent, being sent or given up.

    One statement, so two processes (or two passes) can never both hold a claim."""
    rows = fetch_all(
        conn,
        "INSERT INTO deliveries (chat_id, kind, run_id, day, claimed_at)"
        " SELECT value, ?, ?, ?, ? FROM json_each(?) WHERE true"  # WHERE: SQLite's upsert-after-SELECT rule
        " ON CONFLICT (chat_id, kind, run_id, day) DO UPDATE SET status = 'sending',"
        " attempts = deliveries.attempts + 1, claimed_at = excluded.claimed_at, error = NULL"
        " WHERE deliveries.status = 'retry' RETURNING chat_id, id",
        (kind, run_id, day.isoformat(), to_text(now), json.dumps(list(chat_ids))),
    )
    return {chat_id: delivery_id for chat_id, delivery_id in rows}


def mark_sent(conn: sqlite3.Connection, sent: Iterable[tuple[int, int | None]], now: datetime) -> None:
    """`sent`: (delivery id, message id) pairs."""
    conn.executemany(
        "UPDATE deliveries SET status = 'sent', sent_at = ?, message_id = ? WHERE id = ?",
        ((to_text(now), message_id, delivery_id) for delivery_id, message_id in sent),
    )


def mark_failed(conn: sqlite3.Connection, failed: Iterable[tuple[int, str, bool]]) -> None:
    """`failed`: (delivery id, error, retry) triples; `retry` lets a later pass claim it again, until MAX_ATTEMPTS."""
    conn.executemany(
        "UPDATE deliveries SET status = CASE WHEN ? AND attempts < ? THEN 'retry' ELSE 'failed' END, error = ?"
        " WHERE id = ?",
        ((retry, MAX_ATTEMPTS, error[:500], delivery_id) for delivery_id, error, retry in failed),
    )


def of_chat(conn: sqlite3.Connection, chat_id: int) -> list[Delivery]:
    rows = fetch_all(conn, "SELECT * FROM deliveries WHERE chat_id = ? ORDER BY id", (chat_id,))
    return [_delivery(row) for row in rows]
