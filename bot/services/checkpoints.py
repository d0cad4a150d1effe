"""Inside other actions' transactions: checkpoints passed (or given back) when the route changes, and
where the run stands on its planned route, for /progress and the daily summary.

Like milestones (bot.services.news): a checkpoint first reached is announced to every subscribed chat and
follower through the outbox, in the transaction of the update that reached it; an update undone or
corrected down gives it back (and takes back its message if it is not sent yet). Both follow the public
view (bot.domain.position_privacy): under coarse a checkpoint is passed once the rounded km pass it, under
a delay its news waits out the delay, under hide there is no checkpoint news and no place on the route.
"""

from __future__ import annotations

import functools
import sqlite3
from datetime import date, datetime

from bot.domain.geometry import Checkpoint, Placement, Route, nearby, place
from bot.domain.news import CheckpointsPassed, to_json
from bot.domain.position_privacy import PublicView
from bot.domain.route_progress import Mark, day_number, eta, next_mark
from bot.services.results import Where
from storage import checkpoints, outbox, routes
from storage.positions import Position
from storage.runs import Run


def topic(run_id: int, checkpoint_id: int) -> str:
    return f"checkpoint {run_id} {checkpoint_id}"


def route_changed(conn: sqlite3.Connection, run: Run, route_m: int, day: date, now: datetime, view: PublicView) -> None:
    """Announce the checkpoints the route reaches for the first time (as the public km go: `view`); give back
    those it no longer reaches."""
    released = checkpoints.release_beyond(conn, run.id, route_m)
    if released:
        outbox.cancel(conn, [topic(run.id, c.id) for c in released])
    passed = checkpoints.pass_within(conn, run.id, view.along(route_m, run.distance_m), day, now)
    if passed and view.route_shown:  # one message for all an update passes, taken back with the farthest
        news = CheckpointsPassed(
            run.id, run.title, tuple((c.name, c.at_m) for c in passed), day_number(day, run.start_date)
        )
        outbox.to_everyone(
            conn, outbox.Fact(news.kind, to_json(news)), now, run_id=run.id, topic=topic(run.id, passed[-1].id),
            not_before=view.news_not_before(now),
        )  # fmt: skip


def mark_reached_quietly(conn: sqlite3.Connection, run: Run, route_m: int, day: date, now: datetime) -> None:
    """Checkpoints set up behind where the run already is are passed, without news."""
    checkpoints.pass_within(conn, run.id, route_m, day, now)


@functools.lru_cache(maxsize=4)
def _route(points: tuple[tuple[float, float], ...]) -> Route:
    return Route.from_points(points)


def route_of(conn: sqlite3.Connection, run_id: int) -> Route | None:
    stored = routes.get(conn, run_id)
    return _route(stored.points) if stored else None


def where(
    conn: sqlite3.Connection, run: Run, covered_m: int, average_m_per_day: int | None, position: Position | None,
    today: date, view: PublicView,
) -> Where | None:  # fmt: skip
    """Where the public may see the run on its route, from the public km (`covered_m`) and position.

    None when the run has neither a route nor checkpoints, or under hide. The place is the public position's
    on the route, else the lead runners' km along it; under coarse always the rounded km (a rounded position
    placed on the route would say more)."""
    if not view.route_shown:
        return None
    stored = checkpoints.of_run(conn, run.id)
    route = route_of(conn, run.id)
    if route is None and not stored:
        return None
    place_near = None
    if route is not None:
        exact = view.step_m == 1
        placement = place(route, position.latitude, position.longitude) if position and exact else None
        if placement is None:
            placement = Placement(along_m=min(covered_m, route.length_m), off_route_m=0)
        place_near = nearby(placement, [Checkpoint(c.name, c.at_m) for c in stored])
    marks = [Mark(c.name, c.at_m, c.passed_on if c.at_m <= covered_m else None) for c in stored]
    upcoming = next_mark(marks, covered_m)
    if upcoming is None or run.ended_at is not None:
        return Where(place_near, None, 0, None, run.start_date)
    return Where(
        place_near, upcoming.name, upcoming.at_m - covered_m,
        eta(upcoming.at_m, average_m_per_day, run.start_date, today), run.start_date,
    )  # fmt: skip
