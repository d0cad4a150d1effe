"""Pledges: a supporter's part in one run, the km pledged (if any) and the km logged so far.

`logged_m` and the per-run totals are kept by triggers on logs and pledges (0002_pledges.sql).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.clock import moment, to_text
from storage.sql import fetch_all, fetch_one, fetch_row


@dataclass(frozen=True)
class Pledge:
    run_id: int
    user_id: int
    pledged_m: int | None  # None: logs km without a pledge
    logged_m: int
    hidden: bool
    congratulated_m: int | None


@dataclass(frozen=True)
class Totals:
    supporters: int  # who pledged
    pledged_m: int
    logged_m: int


@dataclass(frozen=True)
class BoardEntry:
    first_name: str
    logged_m: int
    pledged_m: int | None = None


@dataclass(frozen=True)
class Lagging:
    user_id: int
    first_name: str
    pledged_m: int
    logged_m: int
    pledged_at: datetime  # the first pledge


def _pledge(row: sqlite3.Row) -> Pledge:
    return Pledge(
        row["run_id"], row["user_id"], row["pledged_m"], row["logged_m"], bool(row["hidden"]), row["congratulated_m"]
    )


def get(conn: sqlite3.Connection, run_id: int, user_id: int) -> Pledge | None:
    row = fetch_one(conn, "SELECT * FROM pledges WHERE run_id = ? AND user_id = ?", (run_id, user_id))
    return _pledge(row) if row else None


def join(conn: sqlite3.Connection, run_id: int, user_id: int, now: datetime) -> Pledge:
    """Make sure the supporter (saved already) has a row in this run, pledged or not; return it."""
    row = fetch_row(
        conn,
        "INSERT INTO pledges (run_id, user_id, hidden, created_at, updated_at)"
        " SELECT ?, user_id, hidden, ?, ? FROM supporters WHERE user_id = ?"
        " ON CONFLICT (run_id, user_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING *",
        (run_id, to_text(now), to_text(now), user_id),
    )
    return _pledge(row)


def set_pledged(conn: sqlite3.Connection, run_id: int, user_id: int, metres: int, now: datetime) -> None:
    """Pledge or change the pledge; the row exists (see join)."""
    conn.execute(
        "UPDATE pledges SET pledged_m = ?, pledged_at = COALESCE(pledged_at, ?), updated_at = ?"
        " WHERE run_id = ? AND user_id = ?",
        (metres, to_text(now), to_text(now), run_id, user_id),
    )


def set_congratulated(conn: sqlite3.Connection, run_id: int, user_id: int, metres: int) -> None:
    conn.execute("UPDATE pledges SET congratulated_m = ? WHERE run_id = ? AND user_id = ?", (metres, run_id, user_id))


def totals(conn: sqlite3.Connection, run_id: int) -> Totals:
    row = fetch_one(conn, "SELECT supporters, pledged_m, logged_m FROM pledge_totals WHERE run_id = ?", (run_id,))
    return Totals(*row) if row else Totals(0, 0, 0)


def rank(conn: sqlite3.Connection, run_id: int, logged_m: int) -> int:
    """Competition rank ("1, 2, 2, 4") of `logged_m` among the supporters on the board.

    A count down the board's index: it reads the entries ahead only, never the whole run.
    """
    (value,) = fetch_row(
        conn, "SELECT COUNT(*) + 1 FROM pledges WHERE run_id = ? AND hidden = 0 AND logged_m > ?", (run_id, logged_m)
    )
    return value


def board(conn: sqlite3.Connection, run_id: int, limit: int = 10) -> list[BoardEntry]:
    """The supporters with the most km logged, hidden ones left out (a walk down the board's index)."""
    rows = fetch_all(
        conn,
        "SELECT s.first_name, p.logged_m, p.pledged_m FROM pledges p JOIN supporters s ON s.user_id = p.user_id"
        " WHERE p.run_id = ? AND p.hidden = 0 AND p.logged_m > 0 ORDER BY p.logged_m DESC LIMIT ?",
        (run_id, limit),
    )
    return [BoardEntry(row["first_name"], row["logged_m"], row["pledged_m"]) for row in rows]


def count_pledged_between(conn: sqlite3.Connection, run_id: int, start: datetime, end: datetime) -> int:
    """How many supporters made their (first) pledge in [start, end)."""
    (value,) = fetch_row(
        conn,
        "SELECT COUNT(*) FROM pledges WHERE run_id = ? AND pledged_at >= ? AND pledged_at < ?",
        (run_id, to_text(start), to_text(end)),
    )
    return value


def lagging(conn: sqlite3.Connection, run_id: int, days_done: int, days_total: int) -> list[Lagging]:
    """Pledgers whose logged km are below pledged * days_done / days_total (the run's even pace, which
    is never below the pace from a later pledge day), furthest behind first; those who asked for
    /quiet are left out.

    Reads every pledge of the run: it is for the daily job, not for a command.
    """
    rows = fetch_all(
        conn,
        "SELECT p.user_id, s.first_name, p.pledged_m, p.logged_m, p.pledged_at FROM pledges p"
        " JOIN supporters s ON s.user_id = p.user_id"
        " WHERE p.run_id = ? AND p.pledged_m IS NOT NULL AND p.logged_m * ? < p.pledged_m * ? AND s.quiet = 0"
        " ORDER BY p.pledged_m * ? - p.logged_m * ? DESC, p.id",
        (run_id, days_total, days_done, days_done, days_total),
    )
    return [Lagging(row[0], row[1], row[2], row[3], moment(row[4])) for row in rows]
