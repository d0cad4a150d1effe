"""What a change of the route announces, queued in the outbox in the same transaction.

A runner's new update: a short message to each follower. A route milestone (25, 50, 75, 100% of the
distance) passed for the first time: a message to every subscribed chat and follower. An update
undone or corrected down gives back the milestones the route no longer reaches (and takes back
their messages if they are not sent yet), so a typo never uses a milestone up.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.replies import render
from bot.services import checkpoints as checkpoint_news
from storage import milestones, outbox, runners
from storage.runs import Run

if TYPE_CHECKING:  # without an import cycle
    from bot.services.tracking import Posted


@dataclass(frozen=True)
class News:
    """A runner's update and the route it made: what followers and milestones are told."""

    posted: Posted
    route_m: int  # the lead runners' km, all updates


def route_m(conn: sqlite3.Connection, run_id: int) -> int:
    return sum(t.metres for t in runners.totals(conn, run_id) if t.runner.is_lead)


def milestones_within(route: int, distance_m: int) -> list[int]:
    """The milestone percents a route of `route` metres out of `distance_m` has reached."""
    return [p for p in milestones.PERCENTS if route * 100 >= p * distance_m]


def _topic(run: Run, percent: int) -> str:
    return f"milestone {run.id} {percent}"


def new_update(conn: sqlite3.Connection, posted: Posted, now: datetime) -> None:
    """A new update (by message or by an edit that stored it): followers hear of it, then milestones."""
    news = News(posted, route_m(conn, posted.run.id))
    outbox.to_followers(conn, outbox.FOLLOWER, render.follower_update(news), now, except_user=posted.runner.user_id)
    route_changed(conn, posted, news.route_m, now)


def route_changed(conn: sqlite3.Connection, posted: Posted, route: int, now: datetime) -> None:
    """Announce the milestones first reached; give back those the route no longer reaches."""
    run = posted.run
    released = milestones.release_above(conn, run.id, route, run.distance_m)
    if released:
        outbox.cancel(conn, [_topic(run, p) for p in released])
    reached = milestones.reach(conn, run.id, milestones_within(route, run.distance_m), posted.update.local_day, now)
    if reached:
        top = max(reached)
        text = render.milestone(News(posted, route), top)
        outbox.to_everyone(conn, outbox.MILESTONE, text, now, topic=_topic(run, top))
    checkpoint_news.route_changed(conn, run, route, posted.update.local_day, now)
