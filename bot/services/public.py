"""The figures the public sees, under the organiser's /position choice: the runners' km, each day's km, the
day's updates, the checkpoints and the position (the rules: bot.domain.position_privacy, `PublicView`).

Every public output takes its figures from here, inside its own read or transaction: the live page and
/chart (bot.services.live), /progress and /today (bot.services.tracking), /checkpoints (bot.services.routes),
the daily summaries (bot.services.summaries) and the news (bot.services.news, bot.services.checkpoints). So a
delay, a rounding or a hidden route holds in all of them at once.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.domain import stats
from bot.domain.position_privacy import PositionMode, PublicView, parse_policy
from bot.services.results import PublicEntry, RunnerDayLine
from storage import checkpoints, positions, runners, updates
from storage.checkpoints import StoredCheckpoint
from storage.positions import Position
from storage.runners import RunnerTotal
from storage.runs import Run


def view_of(run: Run, now: datetime) -> PublicView:
    """What the public may see of `run` at `now`, under its organiser's /position choice."""
    return PublicView.of(parse_policy(run.position_policy), now)


@dataclass(frozen=True)
class Figures:
    """The runners' km as the public sees them: only the updates the view counts, each figure rounded as it says."""

    view: PublicView
    today: date
    """The run's day of the moment the figures describe (under a delay, that of now - the delay)."""
    totals: list[RunnerTotal]
    """Every runner with their km, leads first, in joining order."""
    covered_m: int
    """The lead runners' km: the route so far."""
    lead_day_m: dict[date, int]
    companions_day_m: dict[date, int]
    runner_day_m: dict[tuple[int, date], int]
    """(runner id, local day) -> that runner's km of that day."""

    @property
    def leads(self) -> list[RunnerTotal]:
        return [t for t in self.totals if t.runner.is_lead]

    @property
    def companions(self) -> list[RunnerTotal]:
        return [t for t in self.totals if not t.runner.is_lead]


def figures(conn: sqlite3.Connection, run: Run, view: PublicView, last_day: date | None = None) -> Figures:
    """The public figures at `view` (with `last_day`, counting only the local days up to it: a day's summary).

    Under coarse each running total is rounded (bot.domain.position_privacy `PublicView.along`) and each day's
    km is the difference of two rounded totals: the lead runners' route (the full distance showing once
    covered), the companions' sum, and each runner's own."""
    people = runners.of_run(conn, run.id)
    rows = updates.runner_days(conn, run.id, until=view.until, last_day=last_day)
    days = sorted({row.local_day for row in rows})
    by_runner: dict[int, dict[date, int]] = defaultdict(dict)
    for row in rows:
        by_runner[row.runner_id][row.local_day] = row.metres
    totals: list[RunnerTotal] = []
    runner_day_m: dict[tuple[int, date], int] = {}
    for runner in people:
        own = by_runner.get(runner.id, {})
        cap = run.distance_m if runner.is_lead else None
        shown = view.day_figures([own[d] for d in sorted(own)], cap)
        runner_day_m.update({(runner.id, d): m for d, m in zip(sorted(own), shown, strict=True)})
        totals.append(RunnerTotal(runner, view.along(sum(own.values()), cap)))
    lead_ids = {r.id for r in people if r.is_lead}
    lead = [sum(m.get(d, 0) for r, m in by_runner.items() if r in lead_ids) for d in days]
    others = [sum(m.get(d, 0) for r, m in by_runner.items() if r not in lead_ids) for d in days]
    return Figures(
        view=view,
        today=run.local_date(view.as_of),
        totals=totals,
        covered_m=view.along(sum(lead), run.distance_m),
        lead_day_m=dict(zip(days, view.day_figures(lead, run.distance_m), strict=True)),
        companions_day_m=dict(zip(days, view.day_figures(others), strict=True)),
        runner_day_m=runner_day_m,
    )


def progress(run: Run, fig: Figures, today: date | None = None) -> stats.Progress:
    """The run's progress from the public km, on `today` (else the figures' own day)."""
    return stats.progress(
        run.distance_m,
        run.start_date,
        run.end_date,
        covered_m=fig.covered_m,
        today=today or fig.today,
        ended_on=run.local_date(run.ended_at) if run.ended_at else None,
    )


def day_of(
    conn: sqlite3.Connection, run: Run, fig: Figures, day: date
) -> tuple[list[RunnerDayLine], list[PublicEntry]]:
    """The local `day` as the public reads it: each runner's km of the day (leads first) with the notes,
    and the day's updates in the order they were posted (each one's km only where the view shows them)."""
    view = fig.view
    entries = updates.of_day(conn, run.id, day, view.until)
    lines: dict[int, RunnerDayLine] = {}
    for e in sorted(entries, key=lambda e: e.role != "lead"):
        u = e.update
        line = lines.get(u.runner_id) or RunnerDayLine(e.name, e.role, fig.runner_day_m.get((u.runner_id, day), 0))
        lines[u.runner_id] = replace(
            line,
            notes=(*line.notes, u.note) if u.note else line.notes,
            photos=line.photos or u.photo_file_id is not None,
        )
    posted = [
        PublicEntry(e.name, e.role, e.update.metres if view.update_km_shown else None, e.update.note,
                    e.update.photo_file_id)
        for e in entries
    ]  # fmt: skip
    return list(lines.values()), posted


def position(conn: sqlite3.Connection, run: Run, view: PublicView) -> Position | None:
    """The runner's position as the public may see it: delayed, coarsened or hidden."""
    if view.mode is PositionMode.HIDE:
        return None
    latest = positions.latest_until(conn, run.id, view.positions_until)
    if latest is None:
        return None
    shown = view.position([(latest.latitude, latest.longitude, latest.at)])
    if shown is None:
        return None
    lat, lon, at = shown
    return replace(latest, latitude=lat, longitude=lon, at=at, coarse=view.mode is PositionMode.COARSE)


def track(conn: sqlite3.Connection, run: Run, view: PublicView, limit: int) -> list[tuple[float, float, datetime]]:
    """The lead runners' track as the public may see it, oldest first."""
    if view.mode is PositionMode.HIDE:
        return []
    return view.track(positions.track(conn, run.id, view.positions_until, limit))


def checkpoints_of(conn: sqlite3.Connection, run: Run, view: PublicView, covered_m: int) -> list[StoredCheckpoint]:
    """The checkpoints the public may see, in route order: none under hide; a checkpoint shows as passed only
    once the public km (`covered_m`) reach it."""
    if not view.route_shown:
        return []
    return [
        c if c.passed_on is None or c.at_m <= covered_m else replace(c, passed_on=None)
        for c in checkpoints.of_run(conn, run.id)
    ]
