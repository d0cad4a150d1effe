"""Sending what the outbox holds: the messages writes caused, after their transaction committed.

Each holds what happened, in figures (bot.domain.news); its text is written here, as it is sent
(bot.replies.news).

A few at a time are claimed ('sending'), sent, and then deleted, or put back for a retry with a
growing wait. After a restart, the ones that were being sent when the process died are sent again:
Telegram has no idempotency key, so those (at most BATCH messages, the ones in flight) may arrive
twice; no message is lost.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections import Counter
from datetime import datetime, timedelta

from telegram.ext import Application

from bot.domain.news import UnknownNews, from_json
from bot.edge import delivery
from bot.edge.context import CLOCK, DB
from bot.edge.delivery import Outcome, Outgoing, Sent
from bot.replies import news
from bot.services import chats
from storage import outbox
from storage.db import OUTBOX, Database
from storage.outbox import Queued

log = logging.getLogger(__name__)

BATCH = 16  # messages in flight at once; the rate limiter sets the pace
IDLE_WAKE = 30.0  # seconds between looks when nothing wakes the sender (retries coming due)
FIRST_RETRY = timedelta(seconds=30)


def retry_at(now: datetime, attempts: int) -> datetime:
    """30 s after the first failure, doubling, at most an hour."""
    return now + min(FIRST_RETRY * 2 ** (attempts - 1), timedelta(hours=1))


async def send_due(app: Application) -> Counter[Outcome]:
    """Send everything due now, a batch at a time; the outcomes."""
    db: Database = app.bot_data[DB]
    now: datetime = app.bot_data[CLOCK]()
    tally: Counter[Outcome] = Counter()
    while batch := await db.transaction(lambda conn: outbox.claim(conn, BATCH, now), changes=()):
        results = await asyncio.gather(*(_send(app, db, queued) for queued in batch))
        await _record(db, list(zip(batch, results, strict=True)), now)
        tally.update(result.outcome for result in results)
    return tally


async def _send(app: Application, db: Database, queued: Queued) -> Sent:
    try:
        text = news.text_of(from_json(queued.fact.kind, queued.fact.facts))
    except UnknownNews as unknown:  # written by a newer version, or damaged: no retry reads it better
        return Sent(Outcome.FAILED, error=str(unknown), retry=False)
    try:
        return await delivery.send_and_settle(app.bot, db, Outgoing(queued.chat_id, text))
    except Exception:
        log.exception("Could not send an outbox message to chat %s", queued.chat_id)
        return Sent(Outcome.FAILED, error="internal error", retry=True)


async def _record(db: Database, results: list[tuple[Queued, Sent]], now: datetime) -> None:
    finished = [q.id for q, sent in results if not _retry(q, sent)]
    later = [
        (q.id, now if sent.outcome is Outcome.MIGRATED else retry_at(now, q.attempts))  # a new id: at once
        for q, sent in results
        if _retry(q, sent)
    ]
    moved = [(q.chat_id, sent.new_chat_id) for q, sent in results if sent.outcome is Outcome.MIGRATED]
    for q, sent in results:
        if sent.outcome is Outcome.FAILED and not _retry(q, sent):
            log.warning("Gave up an outbox message to chat %s after %d tries: %s", q.chat_id, q.attempts, sent.error)
    for old, new in moved:
        if new is not None:
            await chats.migrate_chat(db, old, new)  # what waits for the old chat id moves with it

    def work(conn: sqlite3.Connection) -> None:
        outbox.done(conn, finished)
        outbox.retry(conn, later)

    await db.transaction(work, changes=())


def _retry(queued: Queued, sent: Sent) -> bool:
    if sent.outcome is Outcome.MIGRATED:
        return True  # sent again, to the new chat id, on the next pass
    return sent.outcome is Outcome.FAILED and sent.retry and queued.attempts < outbox.MAX_ATTEMPTS


async def recover(db: Database) -> None:
    """At start (post_init): what was being sent when the process stopped goes again."""
    released = await db.transaction(outbox.release_in_flight, changes=())
    if released:
        log.info("%d outbox messages were being sent when the bot stopped: sending them again", released)


async def run(app: Application, stop: asyncio.Event) -> None:
    """The sender's life: each commit that queues messages wakes it, and it looks every IDLE_WAKE
    seconds for retries come due."""
    db: Database = app.bot_data[DB]
    while not stop.is_set():
        try:
            await send_due(app)
        except Exception:
            log.exception("The outbox sender failed; trying again shortly")
        await db.wait_for_change(OUTBOX, IDLE_WAKE)
