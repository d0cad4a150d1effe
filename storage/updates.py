"""Runners' posts: km for a local day, a note, a photo; keyed by the message they came from."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from storage.clock import moment, to_text
from storage.sql import fetch_all, fetch_one


@dataclass(frozen=True)
class RunnerUpdate:
    id: int
    run_id: int
    runner_id: int
    local_day: date
    metres: int
    note: str | None
    photo_file_id: str | None
    chat_id: int
    message_id: int


@dataclass(frozen=True)
class DayEntry:
    """One update with the name and role of the runner who posted it."""

    name: str
    role: str
    update: RunnerUpdate


def _update(row: sqlite3.Row) -> RunnerUpdate:
    return RunnerUpdate(
        row["id"],
        row["run_id"],
        row["runner_id"],
        date.fromisoformat(row["local_day"]),
        row["metres"],
        row["note"],
        row["photo_file_id"],
        row["chat_id"],
        row["message_id"],
    )


def add(
    conn: sqlite3.Connection,
    *,
    run_id: int,
    runner_id: int,
    local_day: date,
    metres: int,
    note: str | None,
    photo_file_id: str | None,
    chat_id: int,
    message_id: int,
    at: datetime,
) -> RunnerUpdate | None:
    """The stored update, or None when this message was stored already (a re-delivery)."""
    row = fetch_one(
        conn,
        "INSERT INTO updates (run_id, runner_id, local_day, metres, note, photo_file_id, chat_id, message_id,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO NOTHING RETURNING *",
        (run_id, runner_id, local_day.isoformat(), metres, note, photo_file_id, chat_id, message_id, to_text(at)),
    )
    return _update(row) if row else None


def by_message(conn: sqlite3.Connection, chat_id: int, message_id: int) -> RunnerUpdate | None:
    row = fetch_one(conn, "SELECT * FROM updates WHERE chat_id = ? AND message_id = ?", (chat_id, message_id))
    return _update(row) if row else None


def correct(conn: sqlite3.Connection, update_id: int, metres: int, note: str | None, at: datetime) -> RunnerUpdate:
    """The update with its new figure and note; the version it replaces is kept (`update_versions`), for a
    public view of an earlier moment (`until` below)."""
    conn.execute(
        "INSERT OR REPLACE INTO update_versions (update_id, metres, note, since)"
        " SELECT id, metres, note, COALESCE(edited_at, created_at) FROM updates WHERE id = ?",
        (update_id,),
    )
    row = fetch_one(
        conn,
        "UPDATE updates SET metres = ?, note = ?, edited_at = ? WHERE id = ? RETURNING *",
        (metres, note, to_text(at), update_id),
    )
    assert row is not None  # the caller read this update in the same transaction
    return _update(row)


def last_of_runner(conn: sqlite3.Connection, runner_id: int) -> RunnerUpdate | None:
    row = fetch_one(conn, "SELECT * FROM updates WHERE runner_id = ? ORDER BY id DESC LIMIT 1", (runner_id,))
    return _update(row) if row else None


def delete(conn: sqlite3.Connection, update_id: int) -> None:
    conn.execute("DELETE FROM updates WHERE id = ?", (update_id,))


def of_day(conn: sqlite3.Connection, run_id: int, local_day: date, until: datetime | None = None) -> list[DayEntry]:
    """The day's updates in the order they were posted (with `until`: those posted by then, each as it stood
    then)."""
    rows = fetch_all(
        conn,
        f"SELECT u.*, r.name, r.role FROM {_AS_OF} u JOIN runners r ON r.id = u.runner_id"
        " WHERE u.local_day = :day ORDER BY u.id",
        {**_as_of(run_id, until), "day": local_day.isoformat()},
    )
    return [DayEntry(row["name"], row["role"], _update(row)) for row in rows]


_AS_OF = """(SELECT u.id, u.run_id, u.runner_id, u.local_day, u.photo_file_id, u.chat_id, u.message_id,
        u.created_at, COALESCE(v.metres, u.metres) AS metres, IIF(v.update_id IS NULL, u.note, v.note) AS note
    FROM updates u LEFT JOIN update_versions v ON :until IS NOT NULL AND v.update_id = u.id
        AND COALESCE(u.edited_at, u.created_at) > :until
        AND v.since = (SELECT MAX(w.since) FROM update_versions w WHERE w.update_id = u.id AND w.since <= :until)
    WHERE u.run_id = :run_id AND (:until IS NULL OR u.created_at <= :until))"""
"""A run's updates as they stood at :until (all of them, as they are, when it is NULL): those posted by then,
each with the figure and note it had then. A correction made after :until shows the version before it, so a
delayed view never loses an update that was already public (an update corrected before this table was kept
shows as corrected)."""


def _as_of(run_id: int, until: datetime | None) -> dict[str, object]:
    return {"run_id": run_id, "until": to_text(until) if until is not None else None}


@dataclass(frozen=True)
class RunnerDay:
    """A runner's metres of one local day."""

    runner_id: int
    local_day: date
    metres: int


def runner_days(
    conn: sqlite3.Connection, run_id: int, *, until: datetime | None = None, last_day: date | None = None
) -> list[RunnerDay]:
    """Each runner's metres of each local day with updates, in day order: with `until`, only the updates
    posted by then, each as it stood then; with `last_day`, only the local days up to it."""
    rows = fetch_all(
        conn,
        f"SELECT runner_id, local_day, SUM(metres) FROM {_AS_OF}"
        " WHERE (:last_day IS NULL OR local_day <= :last_day)"
        " GROUP BY runner_id, local_day ORDER BY local_day, runner_id",
        {**_as_of(run_id, until), "last_day": last_day.isoformat() if last_day else None},
    )
    return [RunnerDay(row[0], date.fromisoformat(row[1]), row[2]) for row in rows]


@dataclass(frozen=True)
class Posted:
    """An update as the live page lists it."""

    id: int
    runner: str
    role: str
    local_day: date
    at: datetime
    metres: int
    note: str | None
    photo_file_id: str | None


def latest(conn: sqlite3.Connection, run_id: int, limit: int, until: datetime | None = None) -> list[Posted]:
    """The last `limit` updates, newest first (with `until`: of those posted by then, each as it stood then)."""
    rows = fetch_all(
        conn,
        "SELECT u.id, r.name, r.role, u.local_day, u.created_at, u.metres, u.note, u.photo_file_id"
        f" FROM {_AS_OF} u JOIN runners r ON r.id = u.runner_id ORDER BY u.id DESC LIMIT :limit",
        {**_as_of(run_id, until), "limit": limit},
    )
    return [
        Posted(row[0], row[1], row[2], date.fromisoformat(row[3]), moment(row[4]), row[5], row[6], row[7])
        for row in rows
    ]


def photo_of(conn: sqlite3.Connection, update_id: int) -> str | None:
    """The Telegram file id of an update's photo."""
    row = fetch_one(conn, "SELECT photo_file_id FROM updates WHERE id = ?", (update_id,))
    return row[0] if row else None


def runner_day_total(
    conn: sqlite3.Connection, run_id: int, runner_id: int, local_day: date, chat_id: int, message_id: int
) -> int:
    """The runner's km on that local day, without the update of that message (the one being posted or edited)."""
    (value,) = conn.execute(
        "SELECT COALESCE(SUM(metres), 0) FROM updates WHERE run_id = ? AND local_day = ? AND runner_id = ?"
        " AND NOT (chat_id = ? AND message_id = ?)",
        (run_id, local_day.isoformat(), runner_id, chat_id, message_id),
    ).fetchone()
    return int(value)
