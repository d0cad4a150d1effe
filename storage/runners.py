"""Runners of a run: the lead runner(s) whose km make the route, and companions beside them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import aiosqlite

from storage.clock import to_text
from storage.sql import fetch_one

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


def _runner(row: aiosqlite.Row) -> Runner:
    return Runner(row["id"], row["run_id"], row["user_id"], row["name"], row["role"])


async def get(conn: aiosqlite.Connection, run_id: int, user_id: int) -> Runner | None:
    row = await fetch_one(conn, "SELECT * FROM runners WHERE run_id = ? AND user_id = ?", (run_id, user_id))
    return _runner(row) if row else None


async def add(
    conn: aiosqlite.Connection, run_id: int, user_id: int, name: str, role: str, now: datetime
) -> Runner | None:
    """The new runner, or None when this user already runs in this run."""
    row = await fetch_one(
        conn,
        "INSERT INTO runners (run_id, user_id, name, role, joined_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (run_id, user_id) DO NOTHING RETURNING *",
        (run_id, user_id, name, role, to_text(now)),
    )
    return _runner(row) if row else None


@dataclass(frozen=True)
class RunnerTotal:
    runner: Runner
    metres: int


async def totals(conn: aiosqlite.Connection, run_id: int) -> list[RunnerTotal]:
    """Every runner of the run with the km they posted, leads first, in joining order."""
    rows = await conn.execute_fetchall(
        "SELECT r.*, COALESCE(SUM(u.metres), 0) AS metres FROM runners r"
        " LEFT JOIN updates u ON u.runner_id = r.id"
        " WHERE r.run_id = ? GROUP BY r.id ORDER BY r.role = 'companion', r.id",
        (run_id,),
    )
    return [RunnerTotal(_runner(row), row["metres"]) for row in rows]


async def totals_until(conn: aiosqlite.Connection, run_id: int, last_day: date) -> list[RunnerTotal]:
    """Like `totals`, counting only the updates of local days up to `last_day` (for a day's summary)."""
    rows = await conn.execute_fetchall(
        "SELECT r.*, COALESCE(SUM(u.metres), 0) AS metres FROM runners r"
        " LEFT JOIN updates u ON u.runner_id = r.id AND u.local_day <= ?"
        " WHERE r.run_id = ? GROUP BY r.id ORDER BY r.role = 'companion', r.id",
        (last_day.isoformat(), run_id),
    )
    return [RunnerTotal(_runner(row), row["metres"]) for row in rows]
