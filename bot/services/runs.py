"""Setting up runs and their runners: organiser actions and joining by invite."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.errors import UserError
from bot.parsing import NewRun
from storage import invites, runners, runs
from storage.db import ROUTE, Database
from storage.invites import Invite
from storage.runners import Runner
from storage.runs import Run

INVITE_TTL = timedelta(days=7)
NO_RUN = "There is no run yet. An organiser starts one with /newrun."


async def current(db: Database) -> Run | None:
    """The run created last: it stays current, ended or not, until the next /newrun."""
    return await db.cached("current run", [ROUTE], lambda: runs.current(db.conn))


async def require_current(db: Database) -> Run:
    run = await current(db)
    if run is None:
        raise UserError(NO_RUN)
    return run


async def require_open(db: Database) -> Run:
    run = await require_current(db)
    if run.ended_at is not None:
        raise UserError(f"{run.title} has ended. An organiser can start a new run with /newrun.")
    return run


async def create_run(db: Database, spec: NewRun, default_timezone: str, organiser_id: int, now: datetime) -> Run:
    async with db.transaction() as conn:
        return await runs.create(
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


@dataclass(frozen=True)
class Change:
    before: Run
    after: Run


async def set_distance(db: Database, distance_m: int) -> Change:
    async with db.transaction() as conn:
        before = await require_open(db)
        await runs.set_distance(conn, before.id, distance_m)
        return Change(before, await runs.get(conn, before.id))


async def set_end_date(db: Database, end_date: date) -> Change:
    async with db.transaction() as conn:
        before = await require_open(db)
        if end_date < before.start_date:
            raise UserError(f"The end date cannot be before the start, {before.start_date.isoformat()}.")
        await runs.set_end_date(conn, before.id, end_date)
        return Change(before, await runs.get(conn, before.id))


async def end_run(db: Database, now: datetime) -> Run:
    async with db.transaction() as conn:
        run = await require_open(db)
        await runs.end(conn, run.id, now)
        return await runs.get(conn, run.id)


async def invite(db: Database, role: str, organiser_id: int, now: datetime) -> Invite:
    async with db.transaction() as conn:
        run = await require_open(db)
        token = secrets.token_urlsafe(16)
        return await invites.create(conn, token, run.id, role, organiser_id, now, now + INVITE_TTL)


@dataclass(frozen=True)
class Joined:
    run: Run
    runner: Runner


async def join(db: Database, token: str, user_id: int, name: str, now: datetime) -> Joined:
    """Use an invite: its user becomes a runner of the invite's run, once."""
    async with db.transaction() as conn:
        found = await invites.get(conn, token)
        if found is None:
            raise UserError("This invite link is not valid. Ask the organiser for a new one.")
        run = await runs.get(conn, found.run_id)
        current = await runs.current(conn)
        if run is None or current is None or run.id != current.id or run.ended_at is not None:
            raise UserError("This invite is for a run that is over. Ask the organiser for a new one.")
        if await runners.get(conn, run.id, user_id):
            raise UserError(f"You are already a runner of {run.title}. Post with /update 24 [note].")
        if found.used_by is not None:
            raise UserError("This invite link was used already. Ask the organiser for a new one.")
        if found.expires_at <= now:
            raise UserError("This invite link has expired (they last 7 days). Ask the organiser for a new one.")
        await invites.use(conn, token, user_id, now)
        runner = await runners.add(conn, run.id, user_id, name, found.role, now)
        return Joined(run, runner)
