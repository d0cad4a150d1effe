"""Named places along a run's route at a distance from its start, and the day the route passed each."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from storage.clock import to_text
from storage.sql import fetch_all, fetch_one


@dataclass(frozen=True)
class StoredCheckpoint:
    id: int
    name: str
    at_m: int
    passed_on: date | None


def _checkpoint(row: sqlite3.Row) -> StoredCheckpoint:
    passed = row["passed_on"]
    return StoredCheckpoint(row["id"], row["name"], row["at_m"], date.fromisoformat(passed) if passed else None)


def of_run(conn: sqlite3.Connection, run_id: int) -> list[StoredCheckpoint]:
    """The run's checkpoints in route order."""
    rows = fetch_all(
        conn, "SELECT id, name, at_m, passed_on FROM checkpoints WHERE run_id = ? ORDER BY at_m, name", (run_id,)
    )
    return [_checkpoint(row) for row in rows]


def add(conn: sqlite3.Connection, run_id: int, name: str, at_m: int) -> StoredCheckpoint:
    """Add a checkpoint, or move the one of that name (it is then not passed until the route reaches it)."""
    row = fetch_one(
        conn,
        "INSERT INTO checkpoints (run_id, name, at_m) VALUES (?, ?, ?) ON CONFLICT (run_id, name) DO UPDATE"
        " SET at_m = excluded.at_m, passed_on = NULL, passed_at = NULL RETURNING id, name, at_m, passed_on",
        (run_id, name, at_m),
    )
    assert row is not None
    return _checkpoint(row)


def replace_all(conn: sqlite3.Connection, run_id: int, named: Sequence[tuple[str, int]]) -> None:
    """A new route's checkpoints in place of the run's earlier ones."""
    conn.execute("DELETE FROM checkpoints WHERE run_id = ?", (run_id,))
    conn.executemany(
        "INSERT INTO checkpoints (run_id, name, at_m) VALUES (?, ?, ?) ON CONFLICT (run_id, name) DO NOTHING",
        ((run_id, name, at_m) for name, at_m in named),
    )


def remove(conn: sqlite3.Connection, run_id: int, name: str) -> StoredCheckpoint | None:
    """Remove the checkpoint of that name (case-insensitive); the removed one, or None."""
    row = fetch_one(
        conn,
        "DELETE FROM checkpoints WHERE id = (SELECT id FROM checkpoints WHERE run_id = ? AND name = ? COLLATE NOCASE"
        " ORDER BY name = ? DESC LIMIT 1) RETURNING id, name, at_m, passed_on",
        (run_id, name, name),
    )
    return _checkpoint(row) if row else None


def pass_within(
    conn: sqlite3.Connection, run_id: int, route_m: int, day: date, now: datetime
) -> list[StoredCheckpoint]:
    """Mark passed the checkpoints the route reaches now and had not; return them in route order."""
    rows = fetch_all(
        conn,
        "UPDATE checkpoints SET passed_on = ?, passed_at = ? WHERE run_id = ? AND at_m <= ? AND passed_on IS NULL"
        " RETURNING id, name, at_m, passed_on",
        (day.isoformat(), to_text(now), run_id, route_m),
    )
    return sorted((_checkpoint(row) for row in rows), key=lambda c: c.at_m)


def release_beyond(conn: sqlite3.Connection, run_id: int, route_m: int) -> list[StoredCheckpoint]:
    """The route went back: the passed checkpoints it no longer reaches are not passed any more; return them."""
    rows = fetch_all(
        conn,
        "UPDATE checkpoints SET passed_on = NULL, passed_at = NULL WHERE run_id = ? AND at_m > ?"
        " AND passed_on IS NOT NULL RETURNING id, name, at_m, passed_on",
        (run_id, route_m),
    )
    return [_checkpoint(row) for row in rows]


def rename(conn: sqlite3.Connection, checkpoint_id: int, name: str) -> None:
    """Give a checkpoint another spelling of its name (its km and passed day stay)."""
    conn.execute("UPDATE checkpoints SET name = ? WHERE id = ?", (name, checkpoint_id))
