"""Handle each Telegram update once, even when Telegram delivers it again after a crash.

Polling re-delivers only updates that the last process fetched but never confirmed, so the ids
handled recently (loaded at start-up, then kept in memory, bounded) are enough to check against.

A handler's writes and the id of its update are committed together: while an update is handled,
every transaction that changes rows also records the update's id (`Database.before_commit`). A crash
after that commit makes the re-delivered update a no-op; a crash before it leaves neither. An update
that writes nothing is recorded at the end (a crash before that repeats only a read and its reply).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import HANDLED, BotContext
from storage import handled
from storage.db import Database

KEEP = timedelta(days=2)  # Telegram keeps an unconfirmed update for 24 hours
MEMORY = 10_000


class RecentIds:
    def __init__(self, ids: set[int] = frozenset()) -> None:
        self._ids: OrderedDict[int, None] = OrderedDict.fromkeys(sorted(ids)[-MEMORY:])

    def add(self, update_id: int) -> bool:
        """False when the id was seen already."""
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > MEMORY:
            self._ids.popitem(last=False)
        return True


@dataclass(frozen=True)
class Handling:
    update_id: int
    at: datetime
    # Handlers run in the task that processes the update. Jobs they schedule inherit this context
    # variable but run in other tasks: their writes are not this update's.
    task: asyncio.Task | None


HANDLING: ContextVar[Handling | None] = ContextVar("handling", default=None)


async def load(db: Database, now) -> RecentIds:
    db.before_commit = mark_with_writes
    async with db.transaction() as conn:
        await handled.forget_before(conn, now - KEEP)
        return RecentIds(await handled.since(conn, now - KEEP))


async def skip_seen(update: Update, context: BotContext) -> None:
    if not context.bot_data[HANDLED].add(update.update_id):
        raise ApplicationHandlerStop
    HANDLING.set(Handling(update.update_id, context.now(), asyncio.current_task()))


async def mark_with_writes(conn: aiosqlite.Connection) -> None:
    """Database.before_commit: the update being handled is recorded in the transaction of its writes."""
    current = HANDLING.get()
    if current is not None and current.task is asyncio.current_task():
        await handled.mark(conn, current.update_id, current.at)


async def mark_handled(update: Update, context: BotContext) -> None:
    HANDLING.set(None)
    async with context.db.transaction() as conn:
        await handled.mark(conn, update.update_id, context.now())
