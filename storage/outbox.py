"""The outbox: messages a write causes, stored in its transaction and sent after it commits.

What happened is stored once (`outbox_facts`: a kind and its figures as a JSON object, never a text) and
queued for each of its chats (`outbox`); the sender writes the text when it sends, for its reader. The
sender claims a few rows at a time ('sending'), sends them, then deletes them (or puts them back for a
retry).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.clock import to_text
from storage.sql import fetch_all, fetch_one

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Fact:
    """What happened: its kind and its figures (a JSON object)."""

    kind: str
    facts: str


@dataclass(frozen=True)
class Queued:
    id: int
    chat_id: int
    fact: Fact
    attempts: int


def _fact(conn: sqlite3.Connection, fact: Fact, topic: str | None, now: datetime) -> int:
    row = fetch_one(
        conn,
        "INSERT INTO outbox_facts (kind, topic, facts, created_at) VALUES (?, ?, ?, ?) RETURNING id",
        (fact.kind, topic, fact.facts, to_text(now)),
    )
    assert row is not None
    return int(row[0])


def _due(not_before: datetime | None) -> str | None:
    return to_text(not_before) if not_before is not None else None


def to_followers(
    conn: sqlite3.Connection,
    fact: Fact,
    now: datetime,
    *,
    run_id: int,
    except_user: int,
    not_before: datetime | None = None,
) -> int:
    """Queue `fact` for every follower of the run but `except_user` (one statement), to go out no earlier
    than `not_before` if given; how many."""
    fact_id = _fact(conn, fact, None, now)
    cur = conn.execute(
        "INSERT INTO outbox (fact_id, chat_id, not_before)"
        " SELECT ?, user_id, ? FROM followers WHERE run_id = ? AND user_id != ?",
        (fact_id, _due(not_before), run_id, except_user),
    )
    return cur.rowcount


def to_everyone(
    conn: sqlite3.Connection,
    fact: Fact,
    now: datetime,
    *,
    run_id: int,
    topic: str,
    not_before: datetime | None = None,
) -> int:
    """Queue `fact` for every subscribed chat about the run and every follower of it, each once, to go out
    no earlier than `not_before` if given; how many."""
    fact_id = _fact(conn, fact, topic, now)
    due = _due(not_before)
    cur = conn.execute(
        "INSERT INTO outbox (fact_id, chat_id, not_before)"
        " SELECT ?, s.chat_id, ? FROM chat_runs c JOIN subscriptions s ON s.chat_id = c.chat_id WHERE c.run_id = ?"
        " UNION SELECT ?, user_id, ? FROM followers WHERE run_id = ?",
        (fact_id, due, run_id, fact_id, due, run_id),
    )
    return cur.rowcount


def to_chats(conn: sqlite3.Connection, fact: Fact, now: datetime, chat_ids: Iterable[int]) -> None:
    fact_id = _fact(conn, fact, None, now)
    conn.executemany("INSERT INTO outbox (fact_id, chat_id) VALUES (?, ?)", ((fact_id, c) for c in chat_ids))


def cancel(conn: sqlite3.Connection, topics: Sequence[str]) -> int:
    """Take back what was queued about these topics and not yet handed to Telegram; how many messages."""
    cur = conn.execute(
        "DELETE FROM outbox WHERE status = 'pending'"
        " AND fact_id IN (SELECT id FROM outbox_facts WHERE topic IN (SELECT value FROM json_each(?)))",
        (json.dumps(list(topics)),),
    )
    return cur.rowcount


def claim(conn: sqlite3.Connection, limit: int, now: datetime) -> list[Queued]:
    """Up to `limit` messages due now, oldest first, at most one per chat and none for a chat whose
    earlier message is still being sent or waits for a retry (so each chat gets them in order)."""
    busy = {row[0] for row in fetch_all(conn, "SELECT DISTINCT chat_id FROM outbox WHERE status = 'sending'")}
    window = fetch_all(
        conn,
        "SELECT o.id, o.chat_id, o.attempts, o.not_before, f.kind, f.facts FROM outbox o"
        " JOIN outbox_facts f ON f.id = o.fact_id WHERE o.status = 'pending' ORDER BY o.id LIMIT ?",
        (limit * 8,),
    )
    due = to_text(now)
    claimed: list[Queued] = []
    for row in window:
        chat_id = row["chat_id"]
        if chat_id not in busy and (row["not_before"] is None or row["not_before"] <= due):
            claimed.append(Queued(row["id"], chat_id, Fact(row["kind"], row["facts"]), row["attempts"] + 1))
        busy.add(chat_id)
        if len(claimed) == limit:
            break
    conn.executemany("UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
                     ((q.id,) for q in claimed))  # fmt: skip
    return claimed


def done(conn: sqlite3.Connection, ids: Iterable[int]) -> None:
    """Sent, or given up: gone from the outbox (and a fact once no chat waits for it)."""
    conn.executemany("DELETE FROM outbox WHERE id = ?", ((i,) for i in ids))
    conn.execute("DELETE FROM outbox_facts WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.fact_id = outbox_facts.id)")


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


def facts_of_chat(conn: sqlite3.Connection, chat_id: int) -> list[Fact]:
    rows = fetch_all(
        conn,
        "SELECT f.kind, f.facts FROM outbox o JOIN outbox_facts f ON f.id = o.fact_id WHERE o.chat_id = ?"
        " ORDER BY o.id",
        (chat_id,),
    )
    return [Fact(row[0], row[1]) for row in rows]
