"""Handle each Telegram update once, even when Telegram delivers it again after a crash.

Polling re-delivers only updates that the last process fetched but never confirmed, so the ids
handled recently (loaded at start-up, then kept in memory, bounded) are enough to check against.

A handler's writes and the id of its update are committed together: while an update is handled,
every transaction that changes rows also records the update's id (`Database.before_commit`). A crash
after that commit makes the re-delivered update a no-op; a crash before it leaves neither. An update
that writes nothing is recorded with the next write, or with a hundred others, or at shutdown: a
crash before that only answers a read again.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import aiosqlite
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import HANDLED, BotContext
from storage import handled
from storage.db import Database

KEEP = timedelta(days=2)  # Telegram keeps an unconfirmed update for 24 hours
MEMORY = 10_000
UNWRITTEN_MAX = 100  # marks of read-only updates written together


class RecentIds:
    def __init__(self, ids: set[int] = frozenset()) -> None:
        self._ids: OrderedDict[int, None] = OrderedDict.fromkeys(sorted(ids)[-MEMORY:])
        self.unwritten: list[tuple[int, datetime]] = []  # marks of updates that wrote nothing

    def take_unwritten(self) -> list[tuple[int, datetime]]:
        taken, self.unwritten = self.unwritten, []
        return taken

    def add(self, update_id: int) -> bool:
        """False when the id was seen already."""
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > MEMORY:
            self._ids.popitem(last=False)
        return True


@dataclass
class Handling:
    update_id: int
    at: datetime
    # Handlers run in the task that processes the update. Jobs they schedule inherit this context
    # variable but run in other tasks: their writes are not this update's.
    task: asyncio.Task | None
    marked: bool = False


HANDLING: ContextVar[Handling | None] = ContextVar("handling", default=None)


async def load(db: Database, now: datetime) -> RecentIds:
    async with db.transaction(changes=()) as conn:
        await handled.forget_before(conn, now - KEEP)
        recent = RecentIds(await handled.since(conn, now - KEEP))
    db.before_commit = partial(mark_with_writes, recent)
    return recent


async def skip_seen(update: Update, context: BotContext) -> None:
    if not context.bot_data[HANDLED].add(update.update_id):
        raise ApplicationHandlerStop
    HANDLING.set(Handling(update.update_id, context.now(), asyncio.current_task()))


async def mark_with_writes(recent: RecentIds, conn: aiosqlite.Connection) -> None:
    """Database.before_commit: the update being handled is recorded in the transaction of its writes,
    and so are the marks of the read-only updates before it, which cost no round trip of their own."""
    current = HANDLING.get()
    if current is not None and current.task is asyncio.current_task() and not current.marked:
        recent.unwritten.append((current.update_id, current.at))
        current.marked = True
    if recent.unwritten:
        await handled.mark_many(conn, recent.take_unwritten())


async def mark_handled(update: Update, context: BotContext) -> None:
    """Last of all handlers: an update that wrote nothing is marked with the next write (or a batch)."""
    current = HANDLING.get()
    HANDLING.set(None)
    if current is None or current.marked:
        return
    recent: RecentIds = context.bot_data[HANDLED]
    recent.unwritten.append((current.update_id, current.at))
    if len(recent.unwritten) >= UNWRITTEN_MAX:
        await write_marks(context.db, recent)


async def write_marks(db: Database, recent: RecentIds) -> None:
    """Write the marks waiting for a write (at shutdown, or when many are waiting)."""
    if recent.unwritten:
        async with db.transaction(changes=()) as conn:
            await handled.mark_many(conn, recent.take_unwritten())
