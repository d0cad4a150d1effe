"""Handle each Telegram update once, even when Telegram delivers it again after a crash.

Polling re-delivers only updates that the last process fetched but never confirmed, so the ids
handled recently (loaded at start-up, then kept in memory, bounded) are enough to check against.
An id is written to the database after its handlers ran: a crash in between re-runs them, and
their writes are idempotent (keyed by chat and message id).
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta

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


async def load(db: Database, now) -> RecentIds:
    async with db.transaction(changes=()) as conn:
        await handled.forget_before(conn, now - KEEP)
        return RecentIds(await handled.since(conn, now - KEEP))


async def skip_seen(update: Update, context: BotContext) -> None:
    if not context.bot_data[HANDLED].add(update.update_id):
        raise ApplicationHandlerStop


async def mark_handled(update: Update, context: BotContext) -> None:
    # One statement needs no transaction of its own; inside another task's open transaction it
    # commits or rolls back with it, and a lost mark at worst re-runs idempotent handlers.
    await handled.mark(context.db.conn, update.update_id, context.now())
