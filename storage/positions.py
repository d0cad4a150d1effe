"""Where the runners were: shared locations, a live one moving a single row."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.clock import moment, to_text
from storage.sql import fetch_all, fetch_one


@dataclass(frozen=True)
class Position:
    runner_name: str
    latitude: float
    longitude: float
    at: datetime
    coarse: bool = False  # rounded for the public (/position coarse)


def save(
    conn: sqlite3.Connection,
    *,
    run_id: int,
    runner_id: int,
    latitude: float,
    longitude: float,
    chat_id: int,
    message_id: int,
    at: datetime,
) -> bool:
    """Store a position; a later position of the same live location moves it. False if it was older."""
    cur = conn.execute(
        "INSERT INTO positions (run_id, runner_id, latitude, longitude, chat_id, message_id, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (chat_id, message_id) DO UPDATE"
        " SET latitude = excluded.latitude, longitude = excluded.longitude, at = excluded.at"
        " WHERE excluded.at >= positions.at",
        (run_id, runner_id, latitude, longitude, chat_id, message_id, to_text(at)),
    )
    if cur.rowcount != 1:
        return False
    conn.execute(
        "INSERT INTO track_points (run_id, runner_id, latitude, longitude, at) VALUES (?, ?, ?, ?, ?)",
        (run_id, runner_id, latitude, longitude, to_text(at)),
    )
    return True


def latest(conn: sqlite3.Connection, run_id: int) -> Position | None:
    row = fetch_one(
        conn,
        "SELECT p.latitude, p.longitude, p.at, r.name FROM positions p JOIN runners r ON r.id = p.runner_id"
        " WHERE p.run_id = ? ORDER BY p.at DESC, p.id DESC LIMIT 1",
        (run_id,),
    )
    return Position(row["name"], row["latitude"], row["longitude"], moment(row["at"])) if row else None


def latest_until(conn: sqlite3.Connection, run_id: int, until: datetime) -> Position | None:
    """The latest position shared at or before `until` (a delay shows the past)."""
    row = fetch_one(
        conn,
        "SELECT t.latitude, t.longitude, t.at, r.name FROM track_points t JOIN runners r ON r.id = t.runner_id"
        " WHERE t.run_id = ? AND t.at <= ? ORDER BY t.at DESC, t.id DESC LIMIT 1",
        (run_id, to_text(until)),
    )
    return Position(row["name"], row["latitude"], row["longitude"], moment(row["at"])) if row else None


def track(conn: sqlite3.Connection, run_id: int, until: datetime, limit: int) -> list[tuple[float, float, datetime]]:
    """The lead runners' positions up to `until`, oldest first, thinned evenly to at most about `limit`."""
    rows = fetch_all(
        conn,
        "WITH lead AS (SELECT t.latitude, t.longitude, t.at, ROW_NUMBER() OVER (ORDER BY t.at, t.id) AS n,"
        " COUNT(*) OVER () AS total FROM track_points t JOIN runners r ON r.id = t.runner_id AND r.role = 'lead'"
        " WHERE t.run_id = ? AND t.at <= ?)"
        " SELECT latitude, longitude, at FROM lead WHERE (n - 1) % MAX(1, (total + ? - 1) / ?) = 0 OR n = total"
        " ORDER BY n",
        (run_id, to_text(until), limit, limit),
    )
    return [(row[0], row[1], moment(row[2])) for row in rows]


def forget(conn: sqlite3.Connection, chat_id: int, message_id: int) -> None:
    """Remove the position one message gave (an activity file's end, when its update is undone) and its
    point of the public track."""
    row = fetch_one(
        conn,
        "DELETE FROM positions WHERE chat_id = ? AND message_id = ?"
        " RETURNING run_id, runner_id, latitude, longitude, at",
        (chat_id, message_id),
    )
    if row is not None:
        conn.execute(
            "DELETE FROM track_points WHERE id = (SELECT id FROM track_points WHERE run_id = ? AND runner_id = ?"
            " AND latitude = ? AND longitude = ? AND at = ? ORDER BY id DESC LIMIT 1)",
            tuple(row),
        )
