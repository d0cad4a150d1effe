"""Chats that get the daily summary: at which local time, in which time zone, since when."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from storage.clock import to_text
from storage.sql import fetch_all, fetch_one, fetch_row

GROUP, PRIVATE = "group", "private"


@dataclass(frozen=True)
class Subscription:
    chat_id: int
    kind: str
    title: str | None
    local_time: str  # HH:MM
    timezone: str | None  # None: the time zone of the run the chat is about
    starts_on: date
    subscribed_by: int | None


def _subscription(row: sqlite3.Row) -> Subscription:
    return Subscription(
        row["chat_id"],
        row["kind"],
        row["title"],
        row["local_time"],
        row["timezone"],
        date.fromisoformat(row["starts_on"]),
        row["subscribed_by"],
    )


def upsert(
    conn: sqlite3.Connection,
    *,
    chat_id: int,
    kind: str,
    title: str | None,
    local_time: str,
    timezone: str | None,
    starts_on: date,
    subscribed_by: int | None,
    now: datetime,
) -> Subscription:
    """Subscribe the chat, or change its time and zone (it keeps its first day)."""
    row = fetch_row(
        conn,
        "INSERT INTO subscriptions (chat_id, kind, title, local_time, timezone, starts_on, subscribed_by,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (chat_id) DO UPDATE SET kind = excluded.kind, title = excluded.title,"
        " local_time = excluded.local_time, timezone = excluded.timezone,"
        " subscribed_by = excluded.subscribed_by, updated_at = excluded.updated_at RETURNING *",
        (chat_id, kind, title, local_time, timezone, starts_on.isoformat(), subscribed_by, to_text(now), to_text(now)),
    )
    return _subscription(row)


def get(conn: sqlite3.Connection, chat_id: int) -> Subscription | None:
    row = fetch_one(conn, "SELECT * FROM subscriptions WHERE chat_id = ?", (chat_id,))
    return _subscription(row) if row else None


def delete(conn: sqlite3.Connection, chat_id: int) -> Subscription | None:
    """End the chat's subscription; the one that ended, if there was one."""
    row = fetch_one(conn, "DELETE FROM subscriptions WHERE chat_id = ? RETURNING *", (chat_id,))
    return _subscription(row) if row else None


def move(conn: sqlite3.Connection, old_chat_id: int, new_chat_id: int) -> bool:
    """A group became a supergroup: its subscription follows it (unless the new id has one already)."""
    cur = conn.execute(
        "UPDATE OR IGNORE subscriptions SET chat_id = ?, kind = 'group' WHERE chat_id = ?", (new_chat_id, old_chat_id)
    )
    moved = cur.rowcount == 1
    conn.execute("DELETE FROM subscriptions WHERE chat_id = ?", (old_chat_id,))
    return moved


def zones(conn: sqlite3.Connection, run_id: int | None = None) -> list[str | None]:
    """The time zones subscriptions are in (None: the run's): of the chats about `run_id`, or of all."""
    if run_id is None:
        rows = fetch_all(conn, "SELECT DISTINCT timezone FROM subscriptions")
    else:
        rows = fetch_all(
            conn,
            "SELECT DISTINCT s.timezone FROM chat_runs c JOIN subscriptions s ON s.chat_id = c.chat_id"
            " WHERE c.run_id = ?",
            (run_id,),
        )
    return [row[0] for row in rows]


def due(
    conn: sqlite3.Connection,
    *,
    timezone: str | None,
    until: str,
    day: date,
    kind: str,
    run_id: int,
    since: str = "00:00",
    starts_by: date | None = None,
) -> list[int]:
    """The chats about the run subscribed in `timezone` whose time (HH:MM) is in [since, until], that started by
    their local day `starts_by` (default `day`), and that have no delivery of `kind` for (run, day), or only one
    that may be retried (ids only: a pass may reach a hundred thousand chats)."""
    rows = fetch_all(
        conn,
        "SELECT s.chat_id FROM chat_runs c JOIN subscriptions s ON s.chat_id = c.chat_id"
        " WHERE c.run_id = ? AND s.timezone IS ? AND s.local_time >= ? AND s.local_time <= ?"
        " AND s.starts_on <= ?"
        " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.chat_id = s.chat_id AND d.kind = ?"
        " AND d.run_id = ? AND d.day = ? AND d.status <> 'retry') ORDER BY s.local_time, s.chat_id",
        (run_id, timezone, since, until, (starts_by or day).isoformat(), kind, run_id, day.isoformat()),
    )
    return [row[0] for row in rows]


def chat_ids(conn: sqlite3.Connection) -> list[int]:
    rows = fetch_all(conn, "SELECT chat_id FROM subscriptions ORDER BY chat_id")
    return [row[0] for row in rows]
