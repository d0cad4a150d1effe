"""The process's one database connection: PRAGMAs, migrations, and each action in one trip.

aiosqlite keeps a sqlite3 connection on a thread of its own and hands it one call at a time. Here a
whole action (a transaction, or a read of several statements) is one such call: a plain function
over the `sqlite3.Connection`, run start to end on that thread (`Database.transaction`,
`Database.read`). So an action costs one hop to the thread and back, whatever its number of
statements, and no other task's statement can run in the middle of it: a read never sees another
action's uncommitted rows, and two actions never interleave.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable, Collection, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import aiosqlite

from storage import backup, inbox
from storage.schema import migrations, split_statements

T = TypeVar("T")
Work = Callable[[sqlite3.Connection], T]

log = logging.getLogger(__name__)

MEMORY = ":memory:"

# What a write transaction may change, for the reads kept in memory (see `Database.cached`) and for
# whoever waits for a change (the outbox sender waits for OUTBOX).
ROUTE = "route"  # runs, runners, their updates and positions
SUPPORTERS = "supporters"  # supporters, their pledges and logs
OUTBOX = "outbox"  # messages waiting to be sent
EVERYTHING = (ROUTE, SUPPORTERS, OUTBOX)
KEEP_SECONDS = 30.0
MEMO_LIMIT = 512
"""Results kept at most: a key that moves with the clock (a delayed or coarse public view, a minute or an hour
at a time) adds one each time, and the least recently computed give way."""

Mark = tuple[int, datetime]  # (Telegram update id, handled at)


class NewerSchemaError(RuntimeError):
    """The database was written by a newer version of the bot."""


class Marks(Protocol):
    """Where a transaction gets the handled marks it commits with its writes (bot.edge.exactly_once)."""

    def pending(self) -> Sequence[Mark]: ...

    def written(self, marks: Sequence[Mark]) -> None: ...


async def on_db_thread(conn: aiosqlite.Connection, work: Work[T]) -> T:
    """Run `work(sqlite3_connection)` on aiosqlite's thread, in one hop.

    aiosqlite has no public call for this: this is the one place that uses its private `_execute`
    and `_conn` (tests/test_db.py fails loudly if an upgrade removes them; pyproject pins the range)."""
    raw: sqlite3.Connection = conn._conn
    result: T = await conn._execute(work, raw)
    return result


@dataclass
class _Shared:
    """What every view of the database shares: the connection, the versions of the topics, the memo."""

    conn: aiosqlite.Connection
    versions: dict[str, int]
    memo: dict[Hashable, tuple[tuple[int, ...], float, Any]]
    changed: dict[str, asyncio.Event]


class Database:
    """The connection, with `transaction` and `read` as the only ways in.

    The process is the database's only writer (Telegram lets one process poll a bot), so what is
    read often and changes rarely (the current run, /progress) is kept in memory, each result tagged
    with the versions of the topics it depends on; a transaction bumps the versions of the topics it
    says it changes (by default all of them), before it starts and after it commits.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._shared = _Shared(conn, dict.fromkeys(EVERYTHING, 0), {}, {t: asyncio.Event() for t in EVERYTHING})
        self._marks: Marks | None = None

    @property
    def conn(self) -> aiosqlite.Connection:
        return self._shared.conn

    def with_marks(self, marks: Marks) -> Database:
        """A view whose write transactions also commit `marks.pending()` (the same connection and memo)."""
        view = copy.copy(self)
        view._marks = marks
        return view

    @classmethod
    async def open(cls, path: str | Path) -> Database:
        path = str(path)
        if path != MEMORY:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            db = cls(conn)
            await on_db_thread(conn, lambda raw: _configure(raw, wal=path != MEMORY))
            await db.migrate(path)
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        await self.conn.close()

    async def transaction(self, work: Work[T], changes: Collection[str] = EVERYTHING) -> T:
        """`work(conn)` inside BEGIN IMMEDIATE ... COMMIT, in one trip; rolled back if it raises.

        When it changed rows, the pending handled marks (if this view has any) are committed with them."""
        marks = list(self._marks.pending()) if self._marks else []
        self._bump(changes)
        try:
            result, marked = await on_db_thread(self.conn, lambda raw: _in_transaction(raw, work, marks))
        finally:
            self._bump(changes)
        if marked and self._marks:
            self._marks.written(marks)
        for topic in changes:
            self._shared.changed[topic].set()
        return result

    async def read(self, work: Work[T]) -> T:
        """`work(conn)` in one trip, inside a read transaction: its statements see one snapshot."""
        return await on_db_thread(self.conn, lambda raw: _in_read(raw, work))

    async def cached(self, key: Hashable, depends_on: Collection[str], compute: Callable[[], Awaitable[T]]) -> T:
        """`compute()`'s result, computed again once a transaction changed a topic it depends on, or
        after KEEP_SECONDS (a change made outside this process: a fix with the sqlite3 shell).

        Keys must come from a small set (a run's days and the clock's buckets, not users): beyond MEMO_LIMIT
        the entry computed longest ago is dropped (and computed again if asked for).
        """
        shared = self._shared
        version = tuple(shared.versions[topic] for topic in depends_on)
        now = time.monotonic()
        hit = shared.memo.get(key)
        if hit is not None and hit[0] == version and now < hit[1]:
            value: T = hit[2]
            return value
        value = await compute()
        shared.memo.pop(key, None)  # to the end: the first entries are those computed longest ago
        shared.memo[key] = (version, now + KEEP_SECONDS, value)
        if len(shared.memo) > MEMO_LIMIT:
            del shared.memo[next(iter(shared.memo))]
        return value

    async def wait_for_change(self, topic: str, seconds: float) -> None:
        """Until a transaction that changes `topic` commits, or `seconds` have passed."""
        event = self._shared.changed[topic]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)
        event.clear()

    def _bump(self, topics: Collection[str]) -> None:
        for topic in topics:
            self._shared.versions[topic] += 1

    async def migrate(self, path: str = MEMORY) -> None:
        """Apply the numbered migrations newer than `PRAGMA user_version`, all in one transaction, after
        a copy of a database that holds data is written beside it (storage.backup). A database written
        by a newer version of the bot is refused: this code does not know its schema."""
        version: int = await self.read(lambda conn: conn.execute("PRAGMA user_version").fetchone()[0])
        known = migrations()
        if known and version > known[-1][0]:
            raise NewerSchemaError(
                f"the database {path} has schema version {version}, newer than this bot's {known[-1][0]}: "
                "it was written by a newer version of the bot. Upgrade the bot, or restore a backup."
            )
        pending = [(number, sql) for number, sql in known if number > version]
        if not pending:
            return
        await asyncio.to_thread(backup.backup_before_migrating, path, [number for number, _ in pending])
        log.info("Applying migrations %s", ", ".join(f"{number:04d}" for number, _ in pending))
        await self.transaction(lambda conn: _apply(conn, pending))


def _configure(conn: sqlite3.Connection, wal: bool) -> None:
    conn.execute("PRAGMA busy_timeout = 5000")
    if wal:
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")


def _in_transaction(conn: sqlite3.Connection, work: Work[T], marks: Sequence[Mark]) -> tuple[T, bool]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        before = conn.total_changes
        result = work(conn)
        marked = bool(marks) and conn.total_changes > before
        if marked:
            inbox.mark_handled(conn, marks)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return result, marked


def _in_read(conn: sqlite3.Connection, work: Work[T]) -> T:
    conn.execute("BEGIN")
    try:
        return work(conn)
    finally:
        conn.execute("COMMIT")


def _apply(conn: sqlite3.Connection, pending: list[tuple[int, str]]) -> None:
    for number, sql in pending:
        for statement in split_statements(sql):
            conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {number:d}")
