"""One aiosqlite connection, its PRAGMAs, migrations and the transaction helper."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Hashable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")

log = logging.getLogger(__name__)

MEMORY = ":memory:"

# What a write transaction may change, for the reads cached in memory (see `Database.cached`).
ROUTE = "route"  # runs, runners, their updates and positions
SUPPORTERS = "supporters"  # supporters, their pledges and logs
EVERYTHING = (ROUTE, SUPPORTERS)
KEEP_SECONDS = 30.0


class Database:
    """The process's single connection.

    aiosqlite runs every statement of a connection on one thread, so separate statements are
    safe, but two tasks' transactions would interleave: every write goes through
    `transaction()`, which holds a lock around BEGIN IMMEDIATE ... COMMIT.

    The process is the database's only writer (Telegram lets one process poll a bot), so what
    is read often and changes rarely (the current run, /progress) is kept in memory, each result
    tagged with the versions of the topics it depends on; a transaction bumps the versions of
    the topics it says it changes (by default all of them).
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self._lock = asyncio.Lock()
        self._versions = dict.fromkeys(EVERYTHING, 0)
        self._memo: dict[Hashable, tuple[tuple[int, ...], float, Any]] = {}
        # Runs inside every transaction that changed rows, just before COMMIT: it can add a row that
        # must be committed with those changes or not at all (the id of the update being handled).
        self.before_commit: Callable[[aiosqlite.Connection], Awaitable[None]] | None = None

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        path = str(path)
        if path != MEMORY:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        conn.row_factory = aiosqlite.Row
        await conn.execute("PRAGMA busy_timeout = 5000")
        if path != MEMORY:
            await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
        db = cls(conn)
        await db.migrate()
        return db

    async def close(self) -> None:
        async with self._lock:
            await self.conn.close()

    @asynccontextmanager
    async def transaction(self, changes: Collection[str] = EVERYTHING) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            rows_before = self.conn.total_changes
            try:
                yield self.conn
                if self.before_commit is not None and self.conn.total_changes > rows_before:
                    await self.before_commit(self.conn)
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")
            finally:
                for topic in changes:
                    self._versions[topic] += 1

    async def cached(self, key: Hashable, depends_on: Collection[str], compute: Callable[[], Awaitable[T]]) -> T:
        """`compute()`'s result, computed again once a transaction changed a topic it depends on, or
        after KEEP_SECONDS (a change made outside this process: a fix with the sqlite3 shell).

        For reads outside a transaction, or at its start: a transaction's own writes are not seen.
        Keys must come from a small set (a run's days, not users): entries are never evicted.
        """
        version = tuple(self._versions[topic] for topic in depends_on)
        now = time.monotonic()
        hit = self._memo.get(key)
        if hit is not None and hit[0] == version and now < hit[1]:
            return hit[2]
        value = await compute()
        self._memo[key] = (version, now + KEEP_SECONDS, value)
        return value

    async def migrate(self) -> None:
        """Apply every numbered migration newer than `PRAGMA user_version`, each atomically."""
        async with self.conn.execute("PRAGMA user_version") as cur:
            (version,) = await cur.fetchone()
        for number, sql in migrations():
            if number <= version:
                continue
            log.info("Applying migration %04d", number)
            async with self.transaction() as conn:
                for statement in split_statements(sql):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {number:d}")


def migrations() -> list[tuple[int, str]]:
    folder = resources.files("storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def split_statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit mid-migration)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        if line.lstrip().startswith("--"):
            continue
        current += line
        if sqlite3.complete_statement(current):
            if current.strip():
                statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
