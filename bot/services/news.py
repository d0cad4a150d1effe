"""What a change of the route announces, queued in the outbox in the same transaction.

A runner's new update: a short message to each follower. A route milestone (25, 50, 75, 100% of the
distance) passed for the first time: a message to every subscribed chat and follower. An update
undone or corrected down gives back the milestones the route no longer reaches (and takes back
their messages if they are not sent yet), so a typo never uses a milestone up.

What is queued is the news in figures (bot.domain.news); its text is written when it is sent. The figures
and the time it goes out follow the public view (bot.domain.position_privacy): under a delay the news
waits out the delay after the update that made it; under coarse its km are rounded, a follower's news
leaves out the update's own km, and milestones count as passed once the rounded km pass them.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from bot.domain.news import MilestoneReached, News, RunnerPosted, to_json
from bot.domain.route_progress import day_number
from bot.services import checkpoints as checkpoint_news
from bot.services import public
from bot.services.results import Posted
from storage import milestones, outbox, runners
from storage.runs import Run


def fact(news: News) -> outbox.Fact:
    """News as the outbox stores it."""
    return outbox.Fact(news.kind, to_json(news))


def route_m(conn: sqlite3.Connection, run_id: int) -> int:
    return sum(t.metres for t in runners.totals(conn, run_id) if t.runner.is_lead)


def milestones_within(route: int, distance_m: int) -> list[int]:
    """The milestone percents a route of `route` metres out of `distance_m` has reached."""
    return [p for p in milestones.PERCENTS if route * 100 >= p * distance_m]


def _topic(run: Run, percent: int) -> str:
    return f"milestone {run.id} {percent}"


def new_update(conn: sqlite3.Connection, posted: Posted, now: datetime) -> None:
    """A new update (by message or by an edit that stored it): followers hear of it, then milestones."""
    run, runner, update = posted.run, posted.runner, posted.update
    view = public.view_of(run, now)
    route = route_m(conn, run.id)
    news = RunnerPosted(
        run_id=run.id, run_title=run.title, runner_name=runner.name, is_lead=runner.is_lead,
        metres=update.metres if view.update_km_shown else None, day=day_number(update.local_day, run.start_date),
        note=update.note, route_m=view.along(route, run.distance_m), distance_m=run.distance_m,
        runner_total_m=view.along(posted.runner_total_m, run.distance_m if runner.is_lead else None),
    )  # fmt: skip
    outbox.to_followers(
        conn, fact(news), now, run_id=run.id, except_user=runner.user_id, not_before=view.news_not_before(now)
    )
    route_changed(conn, posted, route, now)


def route_changed(conn: sqlite3.Connection, posted: Posted, route: int, now: datetime) -> None:
    """Announce the milestones first reached (as the public km go); give back those the route no longer reaches."""
    run, day = posted.run, posted.update.local_day
    view = public.view_of(run, now)
    released = milestones.release_above(conn, run.id, route, run.distance_m)
    if released:
        outbox.cancel(conn, [_topic(run, p) for p in released])
    shown = view.along(route, run.distance_m)
    reached = milestones.reach(conn, run.id, milestones_within(shown, run.distance_m), day, now)
    if reached:
        top = max(reached)
        news = MilestoneReached(run.id, run.title, top, day_number(day, run.start_date), shown, run.distance_m)
        outbox.to_everyone(
            conn, fact(news), now, run_id=run.id, topic=_topic(run, top), not_before=view.news_not_before(now)
        )
    checkpoint_news.route_changed(conn, run, route, day, now, view)
