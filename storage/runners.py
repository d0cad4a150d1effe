"""Runners of a run: the lead runner(s) whose km make the route, and companions beside them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime

from storage.clock import to_text
from storage.sql import fetch_all, fetch_one

LEAD, COMPANION = "lead", "companion"


@dataclass(frozen=True)
class Runner:
    id: int
    run_id: int
    user_id: int
    name: str
    role: str

    @property
    def is_lead(self) -> bool:
        return self.role == LEAD


def _runner(row: sqlite3.Row) -> Runner:
    return Runner(row["id"], row["run_id"], row["user_id"], row["name"], row["role"])


def get(conn: sqlite3.Connection, run_id: int, user_id: int) -> Runner | None:
    row = fetch_one(conn, "SELECT * FROM runners WHERE run_id = ? AND user_id = ?", (run_id, user_id))
    return _runner(row) if row else None


def add(conn: sqlite3.Connection, run_id: int, user_id: int, name: str, role: str, now: datetime) -> Runner | None:
    """The new runner, or None when this user already runs in this run."""
    row = fetch_one(
        conn,
        "INSERT INTO runners (run_id, user_id, name, role, joined_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (run_id, user_id) DO NOTHING RETURNING *",
        (run_id, user_id, name, role, to_text(now)),
    )
    return _runner(row) if row else None


def of_run(conn: sqlite3.Connection, run_id: int) -> list[Runner]:
    """The run's runners, leads first, in joining order (as `totals` lists them)."""
    rows = fetch_all(conn, "SELECT * FROM runners WHERE run_id = ? ORDER BY role = 'companion', id", (run_id,))
    return [_runner(row) for row in rows]


@dataclass(frozen=True)
class RunnerTotal:
    runner: Runner
    metres: int


def totals(conn: sqlite3.Connection, run_id: int) -> list[RunnerTotal]:
    """Every runner of the run with the km they posted, leads first, in joining order."""
    rows = fetch_all(
        conn,
        "SELECT r.*, COALESCE(SUM(u.metres), 0) AS metres FROM runners r"
        " LEFT JOIN updates u ON u.runner_id = r.id"
        " WHERE r.run_id = ? GROUP BY r.id ORDER BY r.role = 'companion', r.id",
        (run_id,),
    )
    return [RunnerTotal(_runner(row), row["metres"]) for row in rows]


def totals_until(conn: sqlite3.Connection, run_id: int, last_day: date) -> list[RunnerTotal]:
    """Like `totals`, counting only the updates of local days up to `last_day` (for a day's summary)."""
    rows = fetch_all(
        conn,
        "SELECT r.*, COALESCE(SUM(u.metres), 0) AS metres FROM runners r"
        " LEFT JOIN updates u ON u.runner_id = r.id AND u.local_day <= ?"
        " WHERE r.run_id = ? GROUP BY r.id ORDER BY r.role = 'companion', r.id",
        (last_day.isoformat(), run_id),
    )
    return [RunnerTotal(_runner(row), row["metres"]) for row in rows]
