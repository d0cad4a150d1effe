"""One-time invitations that make their user a runner."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.clock import moment, to_text
from storage.sql import fetch_one


@dataclass(frozen=True)
class Invite:
    token: str
    run_id: int
    role: str
    expires_at: datetime
    used_by: int | None


def create(
    conn: sqlite3.Connection,
    token: str,
    run_id: int,
    role: str,
    created_by: int,
    now: datetime,
    expires_at: datetime,
) -> Invite:
    conn.execute(
        "INSERT INTO invites (token, run_id, role, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
        (token, run_id, role, created_by, to_text(now), to_text(expires_at)),
    )
    return Invite(token, run_id, role, expires_at, None)


def get(conn: sqlite3.Connection, token: str) -> Invite | None:
    row = fetch_one(conn, "SELECT * FROM invites WHERE token = ?", (token,))
    if row is None:
        return None
    return Invite(row["token"], row["run_id"], row["role"], moment(row["expires_at"]), row["used_by"])


def use(conn: sqlite3.Connection, token: str, user_id: int, now: datetime) -> bool:
    """Mark the invite used by `user_id`; False when someone used it first."""
    cur = conn.execute(
        "UPDATE invites SET used_by = ?, used_at = ? WHERE token = ? AND used_by IS NULL",
        (user_id, to_text(now), token),
    )
    return cur.rowcount == 1
