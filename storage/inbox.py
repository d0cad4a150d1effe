"""The inbox: Telegram updates as fetched, until handled; then only their ids, for two days."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from storage.clock import to_text
from storage.sql import fetch_all


def store(conn: sqlite3.Connection, updates: Sequence[tuple[int, dict[str, Any]]], now: datetime) -> set[int]:
    """Keep fetched updates (id, payload); the ids that were new (not stored or handled before)."""
    rows = fetch_all(
        conn,
        "INSERT INTO inbox (update_id, payload, received_at) SELECT key, value, ? FROM json_each(?) WHERE true"
        " ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
        (to_text(now), json.dumps({str(update_id): json.dumps(payload) for update_id, payload in updates})),
    )
    return {row[0] for row in rows}


def unhandled(conn: sqlite3.Connection) -> list[tuple[int, dict[str, Any]]]:
    """The updates stored but not handled (a crash, or a stop with work in hand), oldest first."""
    rows = fetch_all(conn, "SELECT update_id, payload FROM inbox WHERE handled_at IS NULL ORDER BY update_id")
    return [(row[0], json.loads(row[1])) for row in rows]


def mark_handled(conn: sqlite3.Connection, marks: Iterable[tuple[int, datetime]]) -> None:
    """`marks`: (update id, handled at); the payload is dropped, the id kept to skip a re-delivery."""
    conn.executemany(
        "INSERT INTO inbox (update_id, received_at, handled_at) VALUES (?, ?, ?)"
        " ON CONFLICT (update_id) DO UPDATE SET handled_at = excluded.handled_at, payload = NULL",
        ((update_id, to_text(at), to_text(at)) for update_id, at in marks),
    )


def handled_since(conn: sqlite3.Connection, moment: datetime) -> set[int]:
    rows = fetch_all(conn, "SELECT update_id FROM inbox WHERE handled_at >= ?", (to_text(moment),))
    return {row[0] for row in rows}


def forget_before(conn: sqlite3.Connection, moment: datetime) -> None:
    conn.execute("DELETE FROM inbox WHERE handled_at < ?", (to_text(moment),))


def by_ids(conn: sqlite3.Connection, ids: Sequence[int]) -> list[tuple[int, dict[str, Any]]]:
    """These updates, as stored and not handled, oldest first."""
    rows = fetch_all(
        conn,
        "SELECT update_id, payload FROM inbox WHERE update_id IN (SELECT value FROM json_each(?))"
        " AND handled_at IS NULL ORDER BY update_id",
        (json.dumps(list(ids)),),
    )
    return [(row[0], json.loads(row[1])) for row in rows]
