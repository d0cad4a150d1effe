"""Small helpers for queries over the raw sqlite3 connection (run on the database thread, see db.py)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any


def _params(params: Iterable[Any] | Mapping[str, Any]) -> tuple[Any, ...] | Mapping[str, Any]:
    """Positional parameters as a tuple; named ones (`:name`) as the mapping they came in."""
    return params if isinstance(params, Mapping) else tuple(params)


def fetch_all(conn: sqlite3.Connection, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> list[sqlite3.Row]:
    return conn.execute(sql, _params(params)).fetchall()


def fetch_one(conn: sqlite3.Connection, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(sql, _params(params)).fetchone()
    return row


def fetch_row(conn: sqlite3.Connection, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row:
    """The one row a statement always returns (INSERT ... RETURNING, an aggregate)."""
    row = fetch_one(conn, sql, params)
    if row is None:
        raise LookupError(f"no row from: {sql[:80]}")
    return row
