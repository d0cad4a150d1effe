"""What the public may see of the run: the position under the organiser's /position choice, the live
page's figures (docs in the README, "The live page"), the chart's figures, and the photos' file ids.

One rule for every place a position shows (/progress, /today, the summaries, the page):
`public_position`, over bot.domain.position_privacy.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.domain import stats
from bot.domain.geometry import simplify
from bot.domain.position_privacy import PositionMode, PositionPolicy, parse_policy, public_position, public_track
from bot.services import checkpoints as checkpoint_news
from bot.services.results import ChartData
from bot.services.runs import current, require_current
from storage import checkpoints, pledges, positions, runners, runs, supporters, updates
from storage.db import ROUTE, SUPPORTERS, Database
from storage.positions import Position
from storage.runs import Run

LATEST_UPDATES = 10
ROUTE_POINTS = 400  # the planned route on the page: enough to draw, small to send
MAX_DAYS = 1830  # the page lists the days of a run of up to five years (longer ones: the first five)
TRACK_POINTS = 400
BOARD = 10


def policy_of(run: Run) -> PositionPolicy:
    return parse_policy(run.position_policy)


def public_position_of(conn: sqlite3.Connection, run: Run, now: datetime) -> Position | None:
    """The runner's position as the public may see it at `now`: delayed, coarsened or hidden."""
    policy = policy_of(run)
    if policy.mode is PositionMode.HIDE:
        return None
    latest = positions.latest_until(conn, run.id, now - policy.delay)
    if latest is None:
        return None
    shown = public_position([(latest.latitude, latest.longitude, latest.at)], policy, now)
    if shown is None:
        return None
    return replace(latest, latitude=shown[0], longitude=shown[1], coarse=policy.mode is PositionMode.COARSE)


def time_bucket(run: Run, now: datetime) -> datetime | None:
    """For a cache key: under a delay the public position moves with the clock, a minute at a time."""
    return now.replace(second=0, microsecond=0) if policy_of(run).mode is PositionMode.DELAY else None


async def set_position_policy(db: Database, text: str) -> PositionPolicy:
    """/position live|delay 30|coarse|hide, for the current run."""
    policy = parse_policy(text)

    def work(conn: sqlite3.Connection) -> PositionPolicy:
        run = require_current(conn)  # an ended run too: its last position stays on the page until hidden
        runs.set_position_policy(conn, run.id, policy.to_text())
        return policy

    return await db.transaction(work, changes=[ROUTE])


def _progress(conn: sqlite3.Connection, run: Run, today: date) -> tuple[stats.Progress, list[updates.DayTotal]]:
    days = updates.per_day(conn, run.id)
    return (
        stats.progress(
            run.distance_m,
            run.start_date,
            run.end_date,
            covered_m=sum(d.lead_m for d in days),
            today=today,
            ended_on=run.local_date(run.ended_at) if run.ended_at else None,
        ),
        days,
    )


def chart_data(conn: sqlite3.Connection, run: Run, today: date) -> ChartData:
    """The chart's figures: the lead runners' metres of each day from the start up to `today`."""
    by_day = {d.local_day: d.lead_m for d in updates.per_day(conn, run.id)}
    last = min(today, max(run.end_date, max(by_day, default=run.start_date)))
    days = max((last - run.start_date).days + 1, 0)
    day_m = [by_day.get(run.start_date + timedelta(days=n), 0) for n in range(days)]
    return ChartData(run.title, run.start_date, run.end_date, run.distance_m, day_m, today)


async def current_chart(db: Database, now: datetime) -> ChartData:
    def work(conn: sqlite3.Connection) -> ChartData:
        run = require_current(conn)
        return chart_data(conn, run, run.local_date(now))

    return await db.read(work)


@dataclass(frozen=True)
class PageParts:
    """The page without its viewer: the same for everyone, kept until a write changes it."""

    run: Run
    document: dict[str, Any]


async def page(db: Database, now: datetime, viewer_id: int | None) -> dict[str, Any] | None:
    """The live page's JSON document (schema 1), with the viewer's own pledge when one is given."""
    run = await current(db)
    if run is None:
        return None
    # Two parts, each read again only when its own topic changed: supporters log km far more often than
    # runners post, and the page is read while they do (bench: web.update_cost_ratio).
    key = ("page", run.id, run.local_date(now), time_bucket(run, now))
    route = await db.cached(key, [ROUTE], lambda: db.read(lambda conn: _public(conn, run, now)))
    people = await db.cached(
        ("page supporters", run.id), [SUPPORTERS], lambda: db.read(lambda conn: _people(conn, run))
    )

    async def whole() -> dict[str, Any]:
        version = hashlib.sha256(f"{route['version']} {people['version']}".encode()).hexdigest()[:16]
        return {**route, "supporters": people["supporters"], "viewer": None, "version": version}

    public = await db.cached(("page", key, run.id), [ROUTE, SUPPORTERS], whole)
    if viewer_id is None:
        return public
    viewer = await db.read(lambda conn: _viewer(conn, run, viewer_id))
    return {**public, "viewer": viewer}


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _public(conn: sqlite3.Connection, run: Run, now: datetime) -> dict[str, Any]:
    today = run.local_date(now)
    p, days = _progress(conn, run, today)
    by_day = {d.local_day: d for d in days}
    policy = policy_of(run)
    position = public_position_of(conn, run, now)
    track = public_track(positions.track(conn, run.id, now, TRACK_POINTS), policy, now)
    document: dict[str, Any] = {
        "schema": 1,
        "generated_at": _iso(now),
        "run": {
            "title": run.title,
            "start_place": run.start_place,
            "end_place": run.end_place,
            "start": run.start_date.isoformat(),
            "end": run.end_date.isoformat(),
            "time_zone": run.timezone,
            "distance_m": run.distance_m,
            "stage": p.stage.name.lower(),
        },
        "progress": progress_fields(p),
        "days": [_day(run, p, n, by_day) for n in range(1, min(p.days_total, MAX_DAYS) + 1)],
        "companions": [
            {"name": t.runner.name, "covered_m": t.metres} for t in runners.totals(conn, run.id) if not t.runner.is_lead
        ],
        **_route_parts(conn, run),
        "track": [[lat, lon, _iso(at)] for lat, lon, at in track],
        "position": None
        if position is None
        else {
            "runner": position.runner_name,
            "lat": position.latitude,
            "lon": position.longitude,
            "at": _iso(position.at),
            "precision": "coarse" if position.coarse else "exact",
        },
        "position_policy": policy.to_text(),
        "updates": [_update(run, u) for u in updates.latest(conn, run.id, LATEST_UPDATES)],
    }
    document["version"] = _hash(document)
    return document


def _people(conn: sqlite3.Connection, run: Run) -> dict[str, Any]:
    """The page's `supporters`, and a hash of it."""
    totals = pledges.totals(conn, run.id)
    part = {
        "count": totals.supporters,
        "pledged_m": totals.pledged_m,
        "logged_m": totals.logged_m,
        "board": [
            {"name": e.first_name, "pledged_m": e.pledged_m, "logged_m": e.logged_m}
            for e in pledges.board(conn, run.id, BOARD)
        ],
    }
    return {"supporters": part, "version": _hash(part)}


def _hash(part: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(part, sort_keys=True).encode()).hexdigest()[:16]


def _route_parts(conn: sqlite3.Connection, run: Run) -> dict[str, Any]:
    """The planned route (simplified for the page) and its checkpoints, each placed on it."""
    route = checkpoint_news.route_of(conn, run.id)
    if route is None:
        return {"route": None, "checkpoints": []}
    return {
        "route": [[lat, lon] for lat, lon in simplify(route.points, ROUTE_POINTS)],
        "checkpoints": [
            {
                "name": c.name,
                "at_m": c.at_m,
                "lat": route.point_at(c.at_m)[0],
                "lon": route.point_at(c.at_m)[1],
                "passed_day": (c.passed_on - run.start_date).days + 1 if c.passed_on else None,
            }
            for c in checkpoints.of_run(conn, run.id)
        ],
    }


def progress_fields(p: stats.Progress) -> dict[str, Any]:
    """The page's `progress` part (README, "The JSON endpoint")."""
    return {
        "day": p.day,
        "days_total": p.days_total,
        "covered_m": p.covered_m,
        "remaining_m": p.remaining_m,
        "planned_m": p.planned_m,
        "ahead_m": p.ahead_m,
        "behind_m": p.behind_m,
        "average_m_per_day": p.average_m_per_day,
        "needed_m_per_day": p.needed_m_per_day,
        "projected_finish": p.projected_finish.isoformat() if p.projected_finish else None,
    }


def _day(run: Run, p: stats.Progress, n: int, by_day: dict[date, updates.DayTotal]) -> dict[str, Any]:
    day = run.start_date + timedelta(days=n - 1)
    found = by_day.get(day)
    past = day <= p.today
    return {
        "day": n,
        "date": day.isoformat(),
        "lead_m": (found.lead_m if found else 0) if past else None,
        "companions_m": (found.companions_m if found else 0) if past else None,
        "planned_m": min(round(run.distance_m * n / p.days_total), run.distance_m),
    }


def _update(run: Run, u: updates.Posted) -> dict[str, Any]:
    return {
        "id": u.id,
        "runner": u.runner,
        "role": u.role,
        "day": (u.local_day - run.start_date).days + 1,
        "date": u.local_day.isoformat(),
        "at": _iso(u.at),
        "distance_m": u.metres,
        "note": u.note,
        "photo": str(u.id) if u.has_photo else None,
    }


def _viewer(conn: sqlite3.Connection, run: Run, user_id: int) -> dict[str, Any]:
    found = pledges.get(conn, run.id, user_id)
    name = supporters.first_name(conn, user_id)
    return {
        "user_id": user_id,
        "name": name,
        "pledged_m": found.pledged_m if found else None,
        "logged_m": found.logged_m if found else 0,
        "hidden": bool(found and found.hidden),
    }


MAX_ID_DIGITS = 18


async def photo_file_id(db: Database, photo_id: str) -> str | None:
    """The file id of a photo the page lists (an update of the current run), else None."""
    if not photo_id.isascii() or not photo_id.isdigit() or len(photo_id) > MAX_ID_DIGITS:
        return None  # not an update's id (SQLite's integers have at most 19 digits)

    def work(conn: sqlite3.Connection) -> str | None:
        run = runs.current(conn)
        return updates.photo_of(conn, run.id, int(photo_id)) if run else None

    return await db.read(work)
