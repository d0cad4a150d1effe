"""The outbox: messages a write causes, stored in its transaction and sent after it commits.

A text is stored once (`outbox_texts`) and queued for each of its chats (`outbox`). The sender claims a
few rows at a time ('sending'), sends them, then deletes them (or puts them back for a retry).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.clock import to_text
from storage.sql import fetch_all, fetch_one

FOLLOWER, MILESTONE = "follower", "milestone"
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Queued:
    id: int
    chat_id: int
    text: str
    attempts: int


def _text(conn: sqlite3.Connection, kind: str, text: str, topic: str | None, now: datetime) -> int:
    row = fetch_one(
        conn,
        "INSERT INTO outbox_texts (kind, topic, text, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        (kind, topic, text, to_text(now)),
    )
    assert row is not None
    return int(row[0])


def to_followers(conn: sqlite3.Connection, kind: str, text: str, now: datetime, *, except_user: int) -> int:
    """Queue `text` for every follower but `except_user` (one statement); how many."""
    text_id = _text(conn, kind, text, None, now)
    cur = conn.execute(
        "INSERT INTO outbox (text_id, chat_id) SELECT ?, user_id FROM followers WHERE user_id != ?",
        (text_id, except_user),
    )
    return cur.rowcount


def to_everyone(conn: sqlite3.Connection, kind: str, text: str, now: datetime, *, topic: str) -> int:
    """Queue `text` for every subscribed chat and every follower, each once; how many."""
    text_id = _text(conn, kind, text, topic, now)
    cur = conn.execute(
        "INSERT INTO outbox (text_id, chat_id) SELECT ?, chat_id FROM subscriptions"
        " UNION SELECT ?, user_id FROM followers",
        (text_id, text_id),
    )
    return cur.rowcount


def to_chats(conn: sqlite3.Connection, kind: str, text: str, now: datetime, chat_ids: Iterable[int]) -> None:
    text_id = _text(conn, kind, text, None, now)
    conn.executemany("INSERT INTO outbox (text_id, chat_id) VALUES (?, ?)", ((text_id, c) for c in chat_ids))


def cancel(conn: sqlite3.Connection, topics: Sequence[str]) -> int:
    """Take back what was queued about these topics and not yet handed to Telegram; how many messages."""
    cur = conn.execute(
        "DELETE FROM outbox WHERE status = 'pending'"
        " AND text_id IN (SELECT id FROM outbox_texts WHERE topic IN (SELECT value FROM json_each(?)))",
        (json.dumps(list(topics)),),
    )
    return cur.rowcount


def claim(conn: sqlite3.Connection, limit: int, now: datetime) -> list[Queued]:
    """Up to `limit` messages due now, oldest first, at most one per chat and none for a chat whose
    earlier message is still being sent or waits for a retry (so each chat gets them in order)."""
    busy = {row[0] for row in fetch_all(conn, "SELECT DISTINCT chat_id FROM outbox WHERE status = 'sending'")}
    window = fetch_all(
        conn,
        "SELECT o.id, o.chat_id, o.attempts, o.not_before, t.text FROM outbox o"
        " JOIN outbox_texts t ON t.id = o.text_id WHERE o.status = 'pending' ORDER BY o.id LIMIT ?",
        (limit * 8,),
    )
    due = to_text(now)
    claimed: list[Queued] = []
    for row in window:
        chat_id = row["chat_id"]
        if chat_id not in busy and (row["not_before"] is None or row["not_before"] <= due):
            claimed.append(Queued(row["id"], chat_id, row["text"], row["attempts"] + 1))
        busy.add(chat_id)
        if len(claimed) == limit:
            break
    conn.executemany("UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
                     ((q.id,) for q in claimed))  # fmt: skip
    return claimed


def done(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    """Sent, or given up: gone from the outbox (and a text once no chat waits for it)."""
    conn.executemany("DELETE FROM outbox WHERE id = ?", ((i,) for i in ids))
    conn.execute("DELETE FROM outbox_texts WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.text_id = outbox_texts.id)")


def retry(conn: sqlite3.Connection, later: Iterable[tuple[int, datetime]]) -> None:
    """Back to 'pending', not before the given time."""
    conn.executemany(
        "UPDATE outbox SET status = 'pending', not_before = ? WHERE id = ?", ((to_text(t), i) for i, t in later)
    )


def move_chat(conn: sqlite3.Connection, old_chat_id: int, new_chat_id: int) -> None:
    conn.execute("UPDATE outbox SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))


def release_in_flight(conn: sqlite3.Connection) -> int:
    """After a restart: messages that were being sent when the process stopped are sent again."""
    return conn.execute("UPDATE outbox SET status = 'pending' WHERE status = 'sending'").rowcount


def backlog(conn: sqlite3.Connection) -> int:
    row = fetch_one(conn, "SELECT COUNT(*) FROM outbox")
    return int(row[0]) if row else 0


def texts_of_chat(conn: sqlite3.Connection, chat_id: int) -> list[str]:
    rows = fetch_all(
        conn,
        "SELECT t.text FROM outbox o JOIN outbox_texts t ON t.id = o.text_id WHERE o.chat_id = ? ORDER BY o.id",
        (chat_id,),
    )
    return [row[0] for row in rows]
