"""Setting up runs: creating one, its organisers' changes, listing it or not, and joining by invite or link."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import date, datetime, timedelta

from bot.domain.errors import UserError
from bot.domain.parsing import NewRun, check_run_length
from bot.domain.slugs import is_slug, numbered, slug_of
from bot.services import scope
from bot.services.results import Change, Joined, JoinedRun, Roles, RunsView
from bot.services.scope import Role
from storage import invites, runners, runs
from storage.db import Database
from storage.invites import Invite
from storage.runs import Run

INVITE_TTL = timedelta(days=7)
ORGANISER = "organiser"  # an invite's role that makes a co-organiser, not a runner


def _free_slug(conn: sqlite3.Connection, title: str) -> str:
    """The title's slug, numbered when taken (unity-run, unity-run-2, ...); run-<n> for a title that makes none."""
    latest = runs.latest(conn)
    base = slug_of(title) or f"run-{(latest.id if latest else 0) + 1}"
    slug, n = base, 1
    while runs.slug_taken(conn, slug):
        n += 1
        slug = numbered(base, n)
    return slug


async def create_run(db: Database, spec: NewRun, default_timezone: str, organiser_id: int, now: datetime) -> Run:
    """A new run, open beside the others; its creator is its organiser, and their private chat is about it."""

    def work(conn: sqlite3.Connection) -> Run:
        run = runs.create(
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
            slug=_free_slug(conn, spec.title),
        )
        runs.set_chat_run(conn, organiser_id, run.id, organiser_id, now)
        return run

    return await db.transaction(work)


def _changed(conn: sqlite3.Connection, before: Run) -> Change:
    after = runs.get(conn, before.id)
    assert after is not None
    return Change(before, after)


async def set_distance(db: Database, who: scope.Organiser, distance_m: int) -> Change:
    def work(conn: sqlite3.Connection) -> Change:
        before = scope.require_organiser(conn, who)
        runs.set_distance(conn, before.id, distance_m)
        return _changed(conn, before)

    return await db.transaction(work)


async def set_end_date(db: Database, who: scope.Organiser, end_date: date) -> Change:
    def work(conn: sqlite3.Connection) -> Change:
        before = scope.require_organiser(conn, who)
        if end_date < before.start_date:
            raise UserError(f"The end date cannot be before the start, {before.start_date.isoformat()}.")
        check_run_length(before.start_date, end_date, "/setend 2021-08-24")
        runs.set_end_date(conn, before.id, end_date)
        return _changed(conn, before)

    return await db.transaction(work)


async def end_run(db: Database, who: scope.Organiser, now: datetime) -> Run:
    def work(conn: sqlite3.Connection) -> Run:
        run = scope.require_organiser(conn, who)
        runs.end(conn, run.id, now)
        return _changed(conn, run).after

    return await db.transaction(work)


async def set_listed(db: Database, who: scope.Organiser, listed: bool) -> Change:
    """Listed: on the index page and offered in /runs; unlisted: reached only by its link."""

    def work(conn: sqlite3.Connection) -> Change:
        run = scope.require_organiser(conn, who)
        runs.set_listed(conn, run.id, listed)
        return _changed(conn, run)

    return await db.transaction(work)


async def invite(db: Database, who: scope.Organiser, role: str, now: datetime) -> tuple[Run, Invite]:
    def work(conn: sqlite3.Connection) -> tuple[Run, Invite]:
        run = scope.require_organiser(conn, who)
        token = secrets.token_urlsafe(16)
        return run, invites.create(conn, token, run.id, role, who.user_id, now, now + INVITE_TTL)

    return await db.transaction(work)


async def join(db: Database, token: str, user_id: int, name: str, now: datetime) -> Joined:
    """Use an invite: its user becomes a runner (or a co-organiser) of the invite's run, once. The private
    chat is then about that run."""
    return await db.transaction(lambda conn: _join(conn, token, user_id, name, now))


def _join(conn: sqlite3.Connection, token: str, user_id: int, name: str, now: datetime) -> Joined:
    found = invites.get(conn, token)
    if found is None:
        raise UserError("This invite link is not valid. Ask the organiser for a new one.")
    run = runs.get(conn, found.run_id)
    if run is None or run.ended_at is not None:
        raise UserError("This invite is for a run that is over. Ask the organiser for a new one.")
    organiser = found.role == ORGANISER
    if organiser and runs.is_organiser(conn, run.id, user_id):
        raise UserError(f"You organise {run.title} already.")
    if not organiser and runners.get(conn, run.id, user_id):
        raise UserError(f"You are already a runner of {run.title}. Post with /update 24 [note].")
    if found.used_by is not None:
        raise UserError("This invite link was used already. Ask the organiser for a new one.")
    if found.expires_at <= now:
        raise UserError("This invite link has expired (they last 7 days). Ask the organiser for a new one.")
    invites.use(conn, token, user_id, now)
    runs.set_chat_run(conn, user_id, run.id, user_id, now)
    if organiser:
        runs.add_organiser(conn, run.id, user_id, now)
        return Joined(run, None)
    runner = runners.add(conn, run.id, user_id, name, found.role, now)
    assert runner is not None
    return Joined(run, runner)


async def is_invite(db: Database, payload: str) -> bool:
    return await db.read(lambda conn: invites.get(conn, payload) is not None)


async def chat_run(db: Database, chat_id: int) -> Run | None:
    """The run chosen for the chat, if one was."""
    return await db.read(lambda conn: runs.chat_run(conn, chat_id))


async def roles(db: Database, where: scope.Where) -> Roles:
    """For /help: the run the chat is about (if it can be told without asking), and what its person may do."""

    def work(conn: sqlite3.Connection) -> Roles:
        known = scope.candidates(conn, where, Role.READER)
        is_runner = where.user_id is not None and bool(scope.candidates(conn, where, Role.RUNNER))
        organises = where.user_id is not None and bool(scope.candidates(conn, where, Role.ORGANISER))
        return Roles(known[0] if len(known) == 1 else None, is_runner, organises, several=len(known) > 1)

    return await db.read(work)


async def runs_view(db: Database, where: scope.Where) -> RunsView:
    """/runs: the person's runs (a group: its run) and the open listed runs they are not part of."""

    def work(conn: sqlite3.Connection) -> RunsView:
        current = runs.chat_run(conn, where.chat_id)
        if where.in_group or where.user_id is None:
            mine = [current] if current else []
        else:
            mine = runs.of_member(conn, where.user_id)[: scope.MAX_CHOICES]
        taken = {r.id for r in mine}
        others = [r for r in runs.open_runs(conn, listed_only=True) if r.id not in taken]
        return RunsView(mine, current, others[: scope.MAX_CHOICES], where.in_group)

    return await db.read(work)


async def open_link(db: Database, payload: str, where: scope.Where, now: datetime) -> JoinedRun:
    """`?start=<slug>` (a private chat: the person joins the run, and their chat is about it) or
    `?startgroup=<slug>` (a group: the group is about the run from now on)."""

    def work(conn: sqlite3.Connection) -> JoinedRun:
        slug = payload.lower()  # a slug typed in capitals (links are often retyped)
        run = runs.by_slug(conn, slug) if is_slug(slug) else None
        if run is None:
            raise UserError("This link is not valid: no run or invite goes by it. /runs lists the runs you can follow.")
        runs.set_chat_run(conn, where.chat_id, run.id, where.user_id, now)
        new = where.user_id is not None and not where.in_group and runs.add_member(conn, where.user_id, run.id, now)
        return JoinedRun(run, new)

    return await db.transaction(work)


async def choose(db: Database, where: scope.Where, run_id: int, now: datetime) -> Run:
    """A tap on a run's button (/runs, or "which run?"): the chat is about that run from now on."""

    def work(conn: sqlite3.Connection) -> Run:
        run = runs.get(conn, run_id)
        mine = where.user_id is not None and any(r.id == run_id for r in runs.of_member(conn, where.user_id))
        if run is None or not (run.listed or mine):  # an unlisted run is reached by its link, not a forged button
            raise UserError("That run is no longer here.")
        runs.set_chat_run(conn, where.chat_id, run.id, where.user_id, now)
        if where.user_id is not None and not where.in_group:
            runs.add_member(conn, where.user_id, run.id, now)
        return run

    return await db.transaction(work)
