"""A run's planned route: its simplified points (JSON text) and its length, one row per run."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.clock import to_text
from storage.sql import fetch_one


@dataclass(frozen=True)
class StoredRoute:
    run_id: int
    name: str | None
    points: tuple[tuple[float, float], ...]
    length_m: int


def save(
    conn: sqlite3.Connection,
    *,
    run_id: int,
    name: str | None,
    points: Sequence[tuple[float, float]],
    length_m: int,
    created_by: int,
    now: datetime,
) -> None:
    """Store the run's route, replacing an earlier one."""
    conn.execute(
        "INSERT INTO routes (run_id, name, points, length_m, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (run_id) DO UPDATE SET name = excluded.name, points = excluded.points,"
        " length_m = excluded.length_m, created_by = excluded.created_by, created_at = excluded.created_at",
        (run_id, name, json.dumps([list(p) for p in points]), length_m, created_by, to_text(now)),
    )


def get(conn: sqlite3.Connection, run_id: int) -> StoredRoute | None:
    row = fetch_one(conn, "SELECT run_id, name, points, length_m FROM routes WHERE run_id = ?", (run_id,))
    if row is None:
        return None
    points = tuple((float(lat), float(lon)) for lat, lon in json.loads(row["points"]))
    return StoredRoute(row["run_id"], row["name"], points, row["length_m"])


def length_of(conn: sqlite3.Connection, run_id: int) -> int | None:
    row = fetch_one(conn, "SELECT length_m FROM routes WHERE run_id = ?", (run_id,))
    return int(row[0]) if row else None
