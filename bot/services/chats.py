"""Chats that get summaries, users who follow updates, the delivery log of scheduled messages."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.domain.time_zones import time_zone
from bot.services.results import Subscribed
from bot.services.scope import require
from storage import deliveries, followers, outbox, runs, subscriptions
from storage.db import Database
from storage.runs import Run
from storage.subscriptions import Subscription


async def subscribe(
    db: Database,
    *,
    run_id: int | None,
    chat_id: int,
    kind: str,
    title: str | None,
    local_time: str,
    timezone: str | None,
    user_id: int | None,
    default_timezone: str,
    now: datetime,
) -> Subscribed:
    """Subscribe a chat to the daily summary of the run at `local_time` in `timezone` (None: the run's zone);
    the chat is about that run from now on. With no run yet (`run_id` None), the summaries start once the
    chat is about one (a run's link, /runs).

    A new subscription starts today if its time is still ahead, else tomorrow."""

    def work(conn: sqlite3.Connection) -> Subscribed:
        run = require(conn, run_id) if run_id is not None else None
        if run is not None:
            runs.set_chat_run(conn, chat_id, run.id, user_id, now)
        zone = timezone or (run.timezone if run else default_timezone)
        local = now.astimezone(time_zone(zone))
        starts_on = local.date() if f"{local:%H:%M}" < local_time else local.date() + timedelta(days=1)
        subscription = subscriptions.upsert(
            conn,
            chat_id=chat_id,
            kind=kind,
            title=title,
            local_time=local_time,
            timezone=timezone,
            starts_on=starts_on,
            subscribed_by=user_id,
            now=now,
        )
        return Subscribed(subscription, zone, run)

    return await db.transaction(work, changes=())


async def only_run(db: Database, chat_id: int) -> Run | None:
    """The run a group just joined is about, when that is certain: the one chosen for it, or the only open run
    there is (a `?startgroup=` link's /start comes after the bot is added, and may name an unlisted run)."""

    def work(conn: sqlite3.Connection) -> Run | None:
        chosen = runs.chat_run(conn, chat_id)
        if chosen is not None:
            return chosen
        found = runs.open_runs(conn, limit=2) or [r for r in [runs.latest(conn)] if r is not None]
        return found[0] if len(found) == 1 else None

    return await db.read(work)


async def unsubscribe(db: Database, chat_id: int) -> bool:
    return await db.transaction(lambda conn: subscriptions.delete(conn, chat_id) is not None, changes=())


async def follow(db: Database, run_id: int, user_id: int, now: datetime) -> bool:
    """False when the user followed the run already."""
    return await db.transaction(lambda conn: followers.add(conn, require(conn, run_id).id, user_id, now), changes=())


async def unfollow(db: Database, run_id: int, user_id: int) -> bool:
    return await db.transaction(lambda conn: followers.remove(conn, run_id, user_id), changes=())


def _forget(conn: sqlite3.Connection, chat_id: int) -> Subscription | None:
    ended = subscriptions.delete(conn, chat_id)
    followers.remove_everywhere(conn, chat_id)
    return ended


async def forget_chat(db: Database, chat_id: int) -> Subscription | None:
    """The chat is gone for the bot (removed, banned, blocked): end its subscription and follow.

    A private chat's id is its user's id. Returns the subscription that ended, if any."""
    return await db.transaction(lambda conn: _forget(conn, chat_id), changes=())


def _migrate(conn: sqlite3.Connection, old_chat_id: int, new_chat_id: int) -> bool:
    outbox.move_chat(conn, old_chat_id, new_chat_id)
    runs.move_chat(conn, old_chat_id, new_chat_id)
    return subscriptions.move(conn, old_chat_id, new_chat_id)


async def migrate_chat(db: Database, old_chat_id: int, new_chat_id: int) -> bool:
    """A group was upgraded to a supergroup: its subscription (and what waits for it) moves to the new id."""
    return await db.transaction(lambda conn: _migrate(conn, old_chat_id, new_chat_id), changes=())


@dataclass(frozen=True)
class LogKey:
    """Which scheduled message a delivery is: one per chat, kind, run and local day."""

    kind: str
    run_id: int
    day: date


async def claim_deliveries(db: Database, chat_ids: Sequence[int], key: LogKey, now: datetime) -> dict[int, int]:
    """{chat id: delivery id} for the chats this process may send `key` to now; not those sent or being sent."""
    return await db.transaction(
        lambda conn: deliveries.claim(conn, chat_ids, kind=key.kind, run_id=key.run_id, day=key.day, now=now),
        changes=(),
    )


async def record_deliveries(
    db: Database, sent: Sequence[tuple[int, int | None]], failed: Sequence[tuple[int, str, bool]], now: datetime
) -> None:
    """`sent`: (delivery id, message id) pairs; `failed`: (delivery id, error, worth a retry) triples."""

    def work(conn: sqlite3.Connection) -> None:
        deliveries.mark_sent(conn, sent, now)
        deliveries.mark_failed(conn, failed)

    await db.transaction(work, changes=())
