"""What the public may see of the run: the organiser's /position choice, the live page's figures (docs in
the README, "The live page"), the chart's figures, and the photos' file ids.

One rule for every public figure (/progress, /today, the summaries, the news, the page): bot.services.public,
over bot.domain.position_privacy.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.domain import stats
from bot.domain.geometry import simplify
from bot.domain.names import display_name
from bot.domain.position_privacy import PositionPolicy, PublicView, parse_policy
from bot.services import checkpoints as checkpoint_news
from bot.services import public, scope
from bot.services.results import ChartData
from storage import pledges, runs, supporters, updates
from storage.db import ROUTE, SUPPORTERS, Database
from storage.runs import Run

LATEST_UPDATES = 10
ROUTE_POINTS = 400  # the planned route on the page: enough to draw, small to send
MAX_DAYS = 1830  # the page lists the days of a run of up to five years (longer ones: the first five)
TRACK_POINTS = 400
BOARD = 10


async def set_position_policy(db: Database, who: scope.Organiser, text: str) -> tuple[Run, PositionPolicy]:
    """/position live|delay 30|coarse|hide, for the organiser's run."""
    policy = parse_policy(text)

    def work(conn: sqlite3.Connection) -> tuple[Run, PositionPolicy]:
        run = scope.require_organiser(conn, who, open_only=False)  # ended: its last position stays until hidden
        runs.set_position_policy(conn, run.id, policy.to_text())
        return run, policy

    return await db.transaction(work, changes=[ROUTE])


def chart_data(conn: sqlite3.Connection, run: Run, today: date, view: PublicView) -> ChartData:
    """The chart's figures: the lead runners' public metres of each day from the start up to `today`."""
    by_day = public.figures(conn, run, view, last_day=today).lead_day_m
    last = min(today, max(run.end_date, max(by_day, default=run.start_date)))
    days = max((last - run.start_date).days + 1, 0)
    day_m = [by_day.get(run.start_date + timedelta(days=n), 0) for n in range(days)]
    return ChartData(run.title, run.start_date, run.end_date, run.distance_m, day_m, today)


async def chart(db: Database, run_id: int, now: datetime) -> ChartData:
    def work(conn: sqlite3.Connection) -> ChartData:
        run = scope.require(conn, run_id)
        view = public.view_of(run, now)
        return chart_data(conn, run, run.local_date(view.as_of), view)

    return await db.read(work)


@dataclass(frozen=True)
class PageParts:
    """The page without its viewer: the same for everyone, kept until a write changes it."""

    run: Run
    document: dict[str, Any]


class _NoSuchRun(LookupError):
    """Raised out of the memo's computation, so a slug no run has is never kept (a flood of made-up slugs
    would push the real runs' pages out of it)."""


async def run_named(db: Database, slug: str) -> Run | None:
    """The run of a page's address (/r/<slug>), kept until a run changes; None for a slug no run has."""

    async def lookup() -> Run:
        run = await db.read(lambda conn: runs.by_slug(conn, slug))
        if run is None:
            raise _NoSuchRun(slug)
        return run

    try:
        return await db.cached(("slug", slug), [ROUTE], lookup)
    except _NoSuchRun:
        return None


async def page(db: Database, slug: str, now: datetime, viewer_id: int | None) -> dict[str, Any] | None:
    """The live page's JSON document (schema 1) of the run called `slug`, with the viewer's own pledge when
    one is given; None when no run has that name."""
    run = await run_named(db, slug)
    if run is None:
        return None
    # Two parts, each read again only when its own topic changed: supporters log km far more often than
    # runners post, and the page is read while they do (bench: web.update_cost_ratio).
    view = public.view_of(run, now)  # the key covers all the view depends on: policy, day, the clock's bucket
    key = ("page", run.id, run.local_date(now), view.cache_key)
    route = await db.cached(key, [ROUTE], lambda: db.read(lambda conn: _public(conn, run, view)))
    people = await db.cached(
        ("page supporters", run.id), [SUPPORTERS], lambda: db.read(lambda conn: _people(conn, run))
    )

    async def whole() -> dict[str, Any]:
        version = hashlib.sha256(f"{route['version']} {people['version']}".encode()).hexdigest()[:16]
        return {**route, "supporters": people["supporters"], "viewer": None, "version": version}

    everyone = await db.cached(("page", key, run.id), [ROUTE, SUPPORTERS], whole)
    # The moment of this answer, not of the cached document's making: a write the public does not see (a
    # position under hide, or in the same coarse cell) makes the document anew, and its making time would
    # say when that write came.
    answer = {**everyone, "generated_at": _iso(view.now)}
    if viewer_id is None:
        return answer
    viewer = await db.read(lambda conn: _viewer(conn, run, viewer_id))
    return {**answer, "viewer": viewer}


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _public(conn: sqlite3.Connection, run: Run, view: PublicView) -> dict[str, Any]:
    """The page's public part: every figure as `view` allows (bot.services.public)."""
    fig = public.figures(conn, run, view)
    p = public.progress(run, fig)
    position = public.position(conn, run, view)
    track = public.track(conn, run, view, TRACK_POINTS)
    document: dict[str, Any] = {
        "schema": 1,
        "generated_at": _iso(view.now),  # under a delay, the minute; page() sets it to the moment it answers
        "run": {
            "title": display_name(run.title),
            "start_place": display_name(run.start_place),
            "end_place": display_name(run.end_place),
            "start": run.start_date.isoformat(),
            "end": run.end_date.isoformat(),
            "time_zone": run.timezone,
            "distance_m": run.distance_m,
            "stage": p.stage.name.lower(),
        },
        "progress": progress_fields(p),
        "days": [_day(run, p, n, fig) for n in range(1, min(p.days_total, MAX_DAYS) + 1)],
        "companions": [{"name": display_name(t.runner.name), "covered_m": t.metres} for t in fig.companions],
        **_route_parts(conn, run, view, p.covered_m),
        "track": [[lat, lon, _iso(at)] for lat, lon, at in track],
        "position": None
        if position is None
        else {
            "runner": display_name(position.runner_name),
            "lat": position.latitude,
            "lon": position.longitude,
            "at": _iso(position.at),
            "precision": "coarse" if position.coarse else "exact",
        },
        "position_policy": view.policy.to_text(),
        "updates": [_update(run, u, view) for u in updates.latest(conn, run.id, LATEST_UPDATES, view.until)],
    }
    # Not of the time it was made: a write the public does not see yet (a position in the same coarse cell, an
    # update younger than the delay) leaves the version as it was, so not even a change of version shows it.
    document["version"] = _hash({k: v for k, v in document.items() if k != "generated_at"})
    return document


def _people(conn: sqlite3.Connection, run: Run) -> dict[str, Any]:
    """The page's `supporters`, and a hash of it."""
    totals = pledges.totals(conn, run.id)
    part = {
        "count": totals.supporters,
        "pledged_m": totals.pledged_m,
        "logged_m": totals.logged_m,
        "board": [
            {"name": display_name(e.first_name), "pledged_m": e.pledged_m, "logged_m": e.logged_m}
            for e in pledges.board(conn, run.id, BOARD)
        ],
    }
    return {"supporters": part, "version": _hash(part)}


def _hash(part: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(part, sort_keys=True).encode()).hexdigest()[:16]


def _route_parts(conn: sqlite3.Connection, run: Run, view: PublicView, covered_m: int) -> dict[str, Any]:
    """The planned route (simplified for the page) and its checkpoints, each placed on it, passed once the
    public km (`covered_m`) reach it; neither under /position hide."""
    route = checkpoint_news.route_of(conn, run.id) if view.route_shown else None
    if route is None:
        return {"route": None, "checkpoints": []}
    return {
        "route": [[lat, lon] for lat, lon in simplify(route.points, ROUTE_POINTS)],
        "checkpoints": [
            {
                "name": display_name(c.name),
                "at_m": c.at_m,
                "lat": route.point_at(c.at_m)[0],
                "lon": route.point_at(c.at_m)[1],
                "passed_day": (c.passed_on - run.start_date).days + 1 if c.passed_on else None,
            }
            for c in public.checkpoints_of(conn, run, view, covered_m)
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


def _day(run: Run, p: stats.Progress, n: int, fig: public.Figures) -> dict[str, Any]:
    day = run.start_date + timedelta(days=n - 1)
    past = day <= p.today
    return {
        "day": n,
        "date": day.isoformat(),
        "lead_m": fig.lead_day_m.get(day, 0) if past else None,
        "companions_m": fig.companions_day_m.get(day, 0) if past else None,
        "planned_m": min(round(run.distance_m * n / p.days_total), run.distance_m),
    }


def _update(run: Run, u: updates.Posted, view: PublicView) -> dict[str, Any]:
    return {
        "id": u.id,
        "runner": display_name(u.runner),
        "role": u.role,
        "day": (u.local_day - run.start_date).days + 1,
        "date": u.local_day.isoformat(),
        "at": _iso(u.at),
        "distance_m": u.metres if view.update_km_shown else None,  # null under /position coarse
        "note": u.note,
        "photo": photo_name(u.id, u.photo_file_id) if u.photo_file_id else None,
    }


def _viewer(conn: sqlite3.Connection, run: Run, user_id: int) -> dict[str, Any]:
    found = pledges.get(conn, run.id, user_id)
    stored = supporters.first_name(conn, user_id)
    name = display_name(stored) if stored is not None else None
    return {
        "user_id": user_id,
        "name": name,
        "pledged_m": found.pledged_m if found else None,
        "logged_m": found.logged_m if found else 0,
        "hidden": bool(found and found.hidden),
    }


PHOTO_NAME = re.compile(r"([0-9]{1,18})-([0-9a-f]{16})")  # SQLite's integers have at most 19 digits


def photo_name(update_id: int, file_id: str) -> str:
    """An update's photo as the page names it (/photos/<name>): the update and a digest of the photo's Telegram
    file id. The name is the photo's own: an update id used again after an /undo names another photo."""
    return f"{update_id}-{hashlib.sha256(file_id.encode()).hexdigest()[:16]}"


async def photo_file_id(db: Database, photo_id: str) -> str | None:
    """The file id of the photo a page's name stands for (an update with that very photo), else None."""
    named = PHOTO_NAME.fullmatch(photo_id)
    if named is None:
        return None

    def work(conn: sqlite3.Connection) -> str | None:
        file_id = updates.photo_of(conn, int(named[1]))
        return file_id if file_id and photo_name(int(named[1]), file_id) == photo_id else None

    return await db.read(work)


INDEX_PAST = 50  # ended runs on the index page, the latest first


async def index(db: Database, now: datetime) -> dict[str, Any]:
    """The index page's JSON: the open listed runs and the latest ended ones, each with its address and the
    public km covered (bot.services.public). Unlisted runs are reached only by their own address."""

    def work(conn: sqlite3.Connection) -> dict[str, Any]:
        entry = lambda run: _index_entry(conn, run, now)  # noqa: E731
        return {
            "open": [entry(r) for r in runs.open_runs(conn, listed_only=True, limit=None)],
            "past": [entry(r) for r in runs.ended_runs(conn, limit=INDEX_PAST)],
        }

    minute = now.replace(second=0, microsecond=0)  # a delayed run's public km move with the clock, not a commit
    return await db.cached(("index", minute), [ROUTE, SUPPORTERS], lambda: db.read(work))


def _index_entry(conn: sqlite3.Connection, run: Run, now: datetime) -> dict[str, Any]:
    view = public.view_of(run, now)
    progress = public.progress(run, public.figures(conn, run, view))
    return {
        "slug": run.slug,
        "title": run.title,
        "from": run.start_place,
        "to": run.end_place,
        "distance_m": run.distance_m,
        "start_date": run.start_date.isoformat(),
        "end_date": run.end_date.isoformat(),
        "covered_m": progress.covered_m,
        "ended": run.ended_at is not None,
        "page": f"/r/{run.slug}",
    }
