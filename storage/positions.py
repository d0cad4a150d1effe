"""Where the runners were: shared locations, a live one moving a single row."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.clock import moment, to_text
from storage.sql import fetch_one


@dataclass(frozen=True)
class Position:
    runner_name: str
    latitude: float
    longitude: float
    at: datetime


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
    return cur.rowcount == 1


def latest(conn: sqlite3.Connection, run_id: int) -> Position | None:
    row = fetch_one(
        conn,
        "SELECT p.latitude, p.longitude, p.at, r.name FROM positions p JOIN runners r ON r.id = p.runner_id"
        " WHERE p.run_id = ? ORDER BY p.at DESC, p.id DESC LIMIT 1",
        (run_id,),
    )
    return Position(row["name"], row["latitude"], row["longitude"], moment(row["at"])) if row else None
