"""Chats that get summaries, users who follow updates, what a runner's post announces, the delivery log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.services.tracking import Posted
from storage import deliveries, followers, milestones, runners, runs, subscriptions
from storage.db import Database
from storage.runs import Run
from storage.subscriptions import Subscription


@dataclass(frozen=True)
class Subscribed:
    subscription: Subscription
    zone: str  # the time zone its time is in (the run's, when it names none)
    run: Run | None


async def subscribe(
    db: Database,
    *,
    chat_id: int,
    kind: str,
    title: str | None,
    local_time: str,
    timezone: str | None,
    user_id: int | None,
    default_timezone: str,
    now: datetime,
) -> Subscribed:
    """Subscribe a chat to the daily summary at `local_time` in `timezone` (None: the run's zone).

    A new subscription starts today if its time is still ahead, else tomorrow."""
    async with db.transaction(changes=()) as conn:
        run = await runs.current(conn)
        zone = timezone or (run.timezone if run else default_timezone)
        local = now.astimezone(ZoneInfo(zone))
        starts_on = local.date() if f"{local:%H:%M}" < local_time else local.date() + timedelta(days=1)
        subscription = await subscriptions.upsert(
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


async def unsubscribe(db: Database, chat_id: int) -> bool:
    async with db.transaction(changes=()) as conn:
        return await subscriptions.delete(conn, chat_id) is not None


async def follow(db: Database, user_id: int, now: datetime) -> bool:
    """False when the user followed already."""
    async with db.transaction(changes=()) as conn:
        return await followers.add(conn, user_id, now)


async def unfollow(db: Database, user_id: int) -> bool:
    async with db.transaction(changes=()) as conn:
        return await followers.remove(conn, user_id)


async def forget_chat(db: Database, chat_id: int) -> Subscription | None:
    """The chat is gone for the bot (removed, banned, blocked): end its subscription and follow.

    A private chat's id is its user's id. Returns the subscription that ended, if any."""
    async with db.transaction(changes=()) as conn:
        ended = await subscriptions.delete(conn, chat_id)
        await followers.remove(conn, chat_id)
        return ended


async def migrate_chat(db: Database, old_chat_id: int, new_chat_id: int) -> bool:
    """A group was upgraded to a supergroup: its subscription moves to the new id."""
    async with db.transaction(changes=()) as conn:
        return await subscriptions.move(conn, old_chat_id, new_chat_id)


@dataclass(frozen=True)
class News:
    """What a runner's new update announces: to followers, and a milestone to everyone."""

    posted: Posted
    route_m: int  # the lead runners' km, all updates
    followers: list[int]  # who gets the update (not its own runner)
    milestone: int | None = None  # the highest percent first reached by this update
    audience: list[int] | None = None  # subscribed chats and followers, for the milestone


def milestones_within(route_m: int, distance_m: int) -> list[int]:
    """The milestone percents a route of `route_m` out of `distance_m` has reached."""
    return [p for p in milestones.PERCENTS if route_m * 100 >= p * distance_m]


async def news_of(db: Database, posted: Posted, now: datetime) -> News | None:
    """What to announce after a runner's post: None for anything but a new update (edits, re-deliveries)."""
    if not posted.is_new:
        return None
    run = posted.run
    async with db.transaction(changes=()) as conn:
        route_m = sum(t.metres for t in await runners.totals(conn, run.id) if t.runner.is_lead)
        reached = await milestones.reach(
            conn, run.id, milestones_within(route_m, run.distance_m), posted.update.local_day, now
        )
        fans = await followers.all_ids(conn)
        audience = sorted(set(fans) | set(await subscriptions.chat_ids(conn))) if reached else None
    others = [user_id for user_id in fans if user_id != posted.runner.user_id]
    return News(posted, route_m, others, max(reached) if reached else None, audience)


@dataclass(frozen=True)
class LogKey:
    """Which scheduled message a delivery is: one per chat, kind, run and local day."""

    kind: str
    run_id: int
    day: date


async def claim_deliveries(db: Database, chat_ids: Sequence[int], key: LogKey, now: datetime) -> dict[int, int]:
    """{chat id: delivery id} for the chats this process may send `key` to now; not those sent or being sent."""
    async with db.transaction(changes=()) as conn:
        return await deliveries.claim(conn, chat_ids, kind=key.kind, run_id=key.run_id, day=key.day, now=now)


async def record_deliveries(
    db: Database, sent: Sequence[tuple[int, int | None]], failed: Sequence[tuple[int, str, bool]], now: datetime
) -> None:
    """`sent`: (delivery id, message id) pairs; `failed`: (delivery id, error, worth a retry) triples."""
    async with db.transaction(changes=()) as conn:
        await deliveries.mark_sent(conn, sent, now)
        await deliveries.mark_failed(conn, failed)
