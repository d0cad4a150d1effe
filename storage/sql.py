"""Small helpers for queries over the raw sqlite3 connection (run on the database thread, see db.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any


def fetch_all(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
    return conn.execute(sql, tuple(params)).fetchall()


def fetch_one(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(sql, tuple(params)).fetchone()
    return row


def fetch_row(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row:
    """The one row a statement always returns (INSERT ... RETURNING, an aggregate)."""
    row = fetch_one(conn, sql, params)
    if row is None:
        raise LookupError(f"no row from: {sql[:80]}")
    return row
