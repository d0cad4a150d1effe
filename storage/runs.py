"""Runs: what is run, from where to where, how far, when and in which time zone."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from storage.clock import from_text, to_text
from storage.sql import fetch_one, fetch_row


@dataclass(frozen=True)
class Run:
    id: int
    title: str
    start_place: str
    end_place: str
    distance_m: int
    start_date: date
    end_date: date
    timezone: str
    ended_at: datetime | None
    position_policy: str = "live"  # /position: live, delay <minutes>, coarse, hide

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()


def _run(row: sqlite3.Row) -> Run:
    return Run(
        id=row["id"],
        title=row["title"],
        start_place=row["start_place"],
        end_place=row["end_place"],
        distance_m=row["distance_m"],
        start_date=date.fromisoformat(row["start_date"]),
        end_date=date.fromisoformat(row["end_date"]),
        timezone=row["timezone"],
        ended_at=from_text(row["ended_at"]),
        position_policy=row["position_policy"],
    )


def create(
    conn: sqlite3.Connection,
    *,
    title: str,
    start_place: str,
    end_place: str,
    distance_m: int,
    start_date: date,
    end_date: date,
    timezone: str,
    created_by: int,
    now: datetime,
) -> Run:
    row = fetch_row(
        conn,
        "INSERT INTO runs (title, start_place, end_place, distance_m, start_date, end_date, timezone,"
        " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
        (
            title,
            start_place,
            end_place,
            distance_m,
            start_date.isoformat(),
            end_date.isoformat(),
            timezone,
            created_by,
            to_text(now),
        ),
    )
    return _run(row)


def current(conn: sqlite3.Connection) -> Run | None:
    """The run created last: it stays current, ended or not, until the next /newrun."""
    row = fetch_one(conn, "SELECT * FROM runs ORDER BY id DESC LIMIT 1")
    return _run(row) if row else None


def get(conn: sqlite3.Connection, run_id: int) -> Run | None:
    row = fetch_one(conn, "SELECT * FROM runs WHERE id = ?", (run_id,))
    return _run(row) if row else None


def set_distance(conn: sqlite3.Connection, run_id: int, distance_m: int) -> None:
    conn.execute("UPDATE runs SET distance_m = ? WHERE id = ?", (distance_m, run_id))


def set_end_date(conn: sqlite3.Connection, run_id: int, end_date: date) -> None:
    conn.execute("UPDATE runs SET end_date = ? WHERE id = ?", (end_date.isoformat(), run_id))


def end(conn: sqlite3.Connection, run_id: int, now: datetime) -> None:
    conn.execute("UPDATE runs SET ended_at = ? WHERE id = ? AND ended_at IS NULL", (to_text(now), run_id))


def set_position_policy(conn: sqlite3.Connection, run_id: int, policy: str) -> None:
    conn.execute("UPDATE runs SET position_policy = ? WHERE id = ?", (policy, run_id))
