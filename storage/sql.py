"""Queries in one round trip.

aiosqlite runs each call on its own thread: `async with conn.execute(...) as cur` followed by a fetch
costs three hops (execute, fetch, close), `execute_fetchall` one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import aiosqlite


async def fetch_one(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
    rows = await conn.execute_fetchall(sql, params)
    return next(iter(rows), None)
