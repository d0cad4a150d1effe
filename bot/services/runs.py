"""Setting up runs and their runners: organiser actions and joining by invite."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import date, datetime, timedelta

from bot.domain.errors import UserError
from bot.domain.parsing import NewRun, check_run_length
from bot.services.results import Change, Joined
from storage import invites, runners, runs
from storage.db import ROUTE, Database
from storage.invites import Invite
from storage.runs import Run

INVITE_TTL = timedelta(days=7)
NO_RUN = "There is no run yet. An organiser starts one with /newrun."


async def current(db: Database) -> Run | None:
    """The run created last: it stays current, ended or not, until the next /newrun."""
    return await db.cached("current run", [ROUTE], lambda: db.read(runs.current))


def require_current(conn: sqlite3.Connection) -> Run:
    run = runs.current(conn)
    if run is None:
        raise UserError(NO_RUN)
    return run


def require_open(conn: sqlite3.Connection) -> Run:
    run = require_current(conn)
    if run.ended_at is not None:
        raise UserError(f"{run.title} has ended. An organiser can start a new run with /newrun.")
    return run


async def create_run(db: Database, spec: NewRun, default_timezone: str, organiser_id: int, now: datetime) -> Run:
    return await db.transaction(
        lambda conn: runs.create(
            conn,
            title=spec.title,
            start_place=spec.start_place,
            end_place=spec.end_place,
            distance_m=spec.distance_m,
            start_date=spec.start_date,
            end_date=spec.end_date,
            timezone=spec.timezone or default_timezone,
            created_by=organiser_id,
            now=now,
        )
    )


def _changed(conn: sqlite3.Connection, before: Run) -> Change:
    after = runs.get(conn, before.id)
    assert after is not None
    return Change(before, after)


async def set_distance(db: Database, distance_m: int) -> Change:
    def work(conn: sqlite3.Connection) -> Change:
        before = require_open(conn)
        runs.set_distance(conn, before.id, distance_m)
        return _changed(conn, before)

    return await db.transaction(work)


async def set_end_date(db: Database, end_date: date) -> Change:
    def work(conn: sqlite3.Connection) -> Change:
        before = require_open(conn)
        if end_date < before.start_date:
            raise UserError(f"The end date cannot be before the start, {before.start_date.isoformat()}.")
        check_run_length(before.start_date, end_date, "/setend 2021-08-24")
        runs.set_end_date(conn, before.id, end_date)
        return _changed(conn, before)

    return await db.transaction(work)


async def end_run(db: Database, now: datetime) -> Run:
    def work(conn: sqlite3.Connection) -> Run:
        run = require_open(conn)
        runs.end(conn, run.id, now)
        return _changed(conn, run).after

    return await db.transaction(work)


async def invite(db: Database, role: str, organiser_id: int, now: datetime) -> Invite:
    def work(conn: sqlite3.Connection) -> Invite:
        run = require_open(conn)
        token = secrets.token_urlsafe(16)
        return invites.create(conn, token, run.id, role, organiser_id, now, now + INVITE_TTL)

    return await db.transaction(work)


async def join(db: Database, token: str, user_id: int, name: str, now: datetime) -> Joined:
    """Use an invite: its user becomes a runner of the invite's run, once."""
    return await db.transaction(lambda conn: _join(conn, token, user_id, name, now))


def _join(conn: sqlite3.Connection, token: str, user_id: int, name: str, now: datetime) -> Joined:
    found = invites.get(conn, token)
    if found is None:
        raise UserError("This invite link is not valid. Ask the organiser for a new one.")
    run = runs.get(conn, found.run_id)
    current = runs.current(conn)
    if run is None or current is None or run.id != current.id or run.ended_at is not None:
        raise UserError("This invite is for a run that is over. Ask the organiser for a new one.")
    if runners.get(conn, run.id, user_id):
        raise UserError(f"You are already a runner of {run.title}. Post with /update 24 [note].")
    if found.used_by is not None:
        raise UserError("This invite link was used already. Ask the organiser for a new one.")
    if found.expires_at <= now:
        raise UserError("This invite link has expired (they last 7 days). Ask the organiser for a new one.")
    invites.use(conn, token, user_id, now)
    runner = runners.add(conn, run.id, user_id, name, found.role, now)
    assert runner is not None
    return Joined(run, runner)
