"""Every Telegram update changes the data once, however often it arrives, and none is lost.

1. **Receipt.** Polling stores each fetched batch in the inbox (`receive`) before the next getUpdates
   tells Telegram it arrived. A crash after that loses nothing: at the next start the updates stored
   but not handled are handled first (`unhandled`).
2. **Skip.** An update whose id was handled already (in the last two days: Telegram keeps an
   unconfirmed update for one) is dropped before any handler sees it (`skip_seen`, the first group).
3. **Mark.** A handler's writes and its update's handled mark commit in one transaction: the
   handler's database (`BotContext.db`) is a view that adds the mark to its write transaction
   (`Database.with_marks`). An update that wrote nothing is marked with the next write, or with a
   hundred others, or at shutdown (`mark_handled`, the last group): a crash before that only
   answers a read again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta

from telegram import Bot, Update
from telegram.ext import ApplicationHandlerStop

from bot.edge.context import DB, HANDLED, BotContext
from bot.edge.handled import ExactlyOnce
from storage import inbox
from storage.db import Database

KEEP = timedelta(days=2)


async def load(db: Database, now: datetime) -> ExactlyOnce:
    """At start: forget what is older than KEEP, remember the rest."""

    def work(conn: sqlite3.Connection) -> set[int]:
        inbox.forget_before(conn, now - KEEP)
        return inbox.handled_since(conn, now - KEEP)

    return ExactlyOnce(await db.transaction(work, changes=()))


async def forget_old(db: Database, now: datetime) -> None:
    """Drop the ids handled more than KEEP ago (hourly): Telegram never delivers those again."""
    await db.transaction(lambda conn: inbox.forget_before(conn, now - KEEP), changes=())


async def receive(db: Database, updates: Sequence[Update], now: datetime) -> set[int]:
    """Store a fetched batch in the inbox; the ids that are new (not stored or handled before)."""
    batch = [(u.update_id, u.to_dict()) for u in updates]
    return await db.transaction(lambda conn: inbox.store(conn, batch, now), changes=())


async def stored(db: Database, ids: Sequence[int], bot: Bot) -> list[Update]:
    """Updates stored in the inbox and not handled yet, by id, in Telegram's order."""
    found = await db.read(lambda conn: inbox.by_ids(conn, ids))
    return [Update.de_json(payload, bot) for _, payload in found]


async def unhandled(db: Database, bot: Bot) -> list[Update]:
    """Updates stored before a crash (or a stop with work in hand) and not handled: to handle first."""
    stored = await db.read(inbox.unhandled)
    return [Update.de_json(payload, bot) for _, payload in stored]


async def skip_seen(update: Update, context: BotContext) -> None:
    """First of all handlers: an update handled before goes no further."""
    once: ExactlyOnce = context.bot_data[HANDLED]
    if not once.begin(update.update_id, context.now()):
        raise ApplicationHandlerStop


async def mark_handled(update: Update, context: BotContext) -> None:
    """Last of all handlers: an update that wrote nothing is marked with the next write (or a batch)."""
    once: ExactlyOnce = context.bot_data[HANDLED]
    if once.finish(update.update_id):
        await write_unwritten(context.bot_data[DB], once)


async def write_unwritten(db: Database, once: ExactlyOnce) -> None:
    """Write the marks waiting for a write (at shutdown, or when many are waiting)."""
    marks = once.unwritten()
    if marks:
        await db.transaction(lambda conn: inbox.mark_handled(conn, marks), changes=())
        once.written(marks)
