"""Runs: what is run, from where to where, how far, when and in which time zone."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from storage.clock import from_text, to_text
from storage.sql import fetch_all, fetch_one, fetch_row


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
    slug: str = ""  # the public short name: /r/<slug>, t.me/<bot>?start=<slug>
    listed: bool = True  # on the index page and among /runs' other runs

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

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
        slug=row["slug"],
        listed=bool(row["listed"]),
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
    slug: str,
) -> Run:
    """The new run; its creator becomes its first organiser in the same statement's transaction."""
    row = fetch_row(
        conn,
        "INSERT INTO runs (title, start_place, end_place, distance_m, start_date, end_date, timezone,"
        " created_by, created_at, slug) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
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
            slug,
        ),
    )
    conn.execute(
        "INSERT INTO organisers (run_id, user_id, role, added_at) VALUES (?, ?, 'creator', ?)",
        (row["id"], created_by, to_text(now)),
    )
    return _run(row)


def latest(conn: sqlite3.Connection) -> Run | None:
    """The run created last, ended or not."""
    row = fetch_one(conn, "SELECT * FROM runs ORDER BY id DESC LIMIT 1")
    return _run(row) if row else None


def by_slug(conn: sqlite3.Connection, slug: str) -> Run | None:
    row = fetch_one(conn, "SELECT * FROM runs WHERE slug = ?", (slug,))
    return _run(row) if row else None


def slug_taken(conn: sqlite3.Connection, slug: str) -> bool:
    return fetch_one(conn, "SELECT 1 FROM runs WHERE slug = ?", (slug,)) is not None


def open_runs(conn: sqlite3.Connection, *, listed_only: bool = False, limit: int | None = 50) -> list[Run]:
    """Runs not ended, newest first (the partial index runs_open holds only these); all of them with no limit."""
    rows = fetch_all(
        conn,
        "SELECT * FROM runs WHERE ended_at IS NULL AND (listed OR NOT ?) ORDER BY id DESC LIMIT ?",
        (listed_only, -1 if limit is None else limit),
    )
    return [_run(row) for row in rows]


def ended_runs(conn: sqlite3.Connection, *, limit: int) -> list[Run]:
    """Listed runs that have ended, the latest ended first: the index page's archive."""
    rows = fetch_all(
        conn,
        "SELECT * FROM runs WHERE ended_at IS NOT NULL AND listed ORDER BY ended_at DESC, id DESC LIMIT ?",
        (limit,),
    )
    return [_run(row) for row in rows]


def summarising(conn: sqlite3.Connection, since: date) -> list[Run]:
    """Runs that may owe a chat a summary: their end date or their closing is on or after `since`."""
    rows = fetch_all(
        conn,
        "SELECT * FROM runs WHERE end_date >= ? AND (ended_at IS NULL OR ended_at >= ?) ORDER BY id",
        (since.isoformat(), since.isoformat()),
    )
    return [_run(row) for row in rows]


def of_member(conn: sqlite3.Connection, user_id: int) -> list[Run]:
    """The runs a person is part of (storage/migrations/0010: members), open ones first, newest first."""
    rows = fetch_all(
        conn,
        "SELECT r.* FROM members m JOIN runs r ON r.id = m.run_id WHERE m.user_id = ?"
        " ORDER BY r.ended_at IS NOT NULL, r.id DESC",
        (user_id,),
    )
    return [_run(row) for row in rows]


def add_member(conn: sqlite3.Connection, user_id: int, run_id: int, now: datetime) -> bool:
    """False when the person was a member already."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO members (user_id, run_id, joined_at) VALUES (?, ?, ?)", (user_id, run_id, to_text(now))
    )
    return cur.rowcount == 1


def organised_by(conn: sqlite3.Connection, user_id: int) -> list[Run]:
    """The runs a person organises, open ones first, newest first."""
    rows = fetch_all(
        conn,
        "SELECT r.* FROM organisers o JOIN runs r ON r.id = o.run_id WHERE o.user_id = ?"
        " ORDER BY r.ended_at IS NOT NULL, r.id DESC",
        (user_id,),
    )
    return [_run(row) for row in rows]


def is_organiser(conn: sqlite3.Connection, run_id: int, user_id: int) -> bool:
    return fetch_one(conn, "SELECT 1 FROM organisers WHERE run_id = ? AND user_id = ?", (run_id, user_id)) is not None


def add_organiser(conn: sqlite3.Connection, run_id: int, user_id: int, now: datetime) -> bool:
    """A co-organiser; False when they organise the run already."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO organisers (run_id, user_id, role, added_at) VALUES (?, ?, 'co', ?)",
        (run_id, user_id, to_text(now)),
    )
    return cur.rowcount == 1


def set_listed(conn: sqlite3.Connection, run_id: int, listed: bool) -> None:
    conn.execute("UPDATE runs SET listed = ? WHERE id = ?", (listed, run_id))


def chat_run(conn: sqlite3.Connection, chat_id: int) -> Run | None:
    """The run a chat is about, when one was chosen for it (storage/migrations/0010: chat_runs)."""
    row = fetch_one(conn, "SELECT r.* FROM chat_runs c JOIN runs r ON r.id = c.run_id WHERE c.chat_id = ?", (chat_id,))
    return _run(row) if row else None


def set_chat_run(conn: sqlite3.Connection, chat_id: int, run_id: int, chosen_by: int | None, now: datetime) -> None:
    conn.execute(
        "INSERT INTO chat_runs (chat_id, run_id, chosen_by, chosen_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (chat_id) DO UPDATE SET run_id = excluded.run_id, chosen_by = excluded.chosen_by,"
        " chosen_at = excluded.chosen_at",
        (chat_id, run_id, chosen_by, to_text(now)),
    )


def forget_chat(conn: sqlite3.Connection, chat_id: int) -> None:
    conn.execute("DELETE FROM chat_runs WHERE chat_id = ?", (chat_id,))


def move_chat(conn: sqlite3.Connection, old_chat_id: int, new_chat_id: int) -> None:
    """A group became a supergroup: its run goes with it (unless the new id has one already)."""
    conn.execute("UPDATE OR IGNORE chat_runs SET chat_id = ? WHERE chat_id = ?", (new_chat_id, old_chat_id))
    conn.execute("DELETE FROM chat_runs WHERE chat_id = ?", (old_chat_id,))


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
