"""Which run a message is about.

A group is about the one run chosen for it (by a `?startgroup=<slug>` link, by /runs, or by the first
answer to "which run?"). A private chat is about the run its person chose (/runs, a `?start=<slug>` link,
an answer to "which run?"); before any choice, about the one run they can mean: for reading and pledging,
the open runs they are part of, else the ended runs they were part of and the open listed runs, else the
run created last; for posting, the open runs they run; for organising, the open runs they organise (every
open run for an operator). One such run is the answer. Several: `WhichRun`, which the edge asks with
buttons; never a silent guess. None: the reply says why (no run yet; only runners post; only organisers
organise).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import Enum

from bot.domain.errors import UserError
from storage import runners, runs
from storage.db import Database
from storage.runs import Run

NO_RUN = "There is no run yet. An organiser starts one with /newrun."
NOT_ORGANISER = "Sorry, only the run's organisers can do that."
MAX_CHOICES = 8  # buttons in one question; /runs and the index page list the rest


class Role(Enum):
    READER = "reader"  # reads, pledges, logs, follows, subscribes
    RUNNER = "runner"  # posts updates, positions, watch files
    ORGANISER = "organiser"  # changes the run
    CLOSER = "closer"  # an organiser acting on a run that may have ended (/position hide after /endrun)


@dataclass(frozen=True)
class Where:
    """Who wrote, and in which chat."""

    chat_id: int
    user_id: int | None
    in_group: bool
    is_operator: bool = False


@dataclass(frozen=True)
class Organiser:
    """Someone acting on a run as its organiser (an operator may act on any run)."""

    run_id: int
    user_id: int
    is_operator: bool = False


class NoRun(UserError):
    """There is no run at all yet."""

    def __init__(self) -> None:
        super().__init__(NO_RUN)


class WhichRun(UserError):
    """The message could mean any of `choices`: the edge asks, with a button for each."""

    def __init__(self, choices: list[Run]) -> None:
        super().__init__("Which run do you mean?")
        self.choices = choices[:MAX_CHOICES]


def candidates(conn: sqlite3.Connection, where: Where, role: Role) -> list[Run]:
    """The runs the message could be about, for `role`: one is the answer, several a question."""
    chosen = runs.chat_run(conn, where.chat_id)
    if where.in_group or where.user_id is None:
        return [chosen] if chosen else runs.open_runs(conn, listed_only=True) or _latest(conn)
    if role is Role.READER:
        return [chosen] if chosen else _readable(conn, where.user_id)
    own = running(conn, where.user_id) if role is Role.RUNNER else _organising(conn, where, role is Role.CLOSER)
    if chosen and any(r.id == chosen.id for r in own):
        return [chosen]
    return own


def running(conn: sqlite3.Connection, user_id: int) -> list[Run]:
    """The open runs a person runs in."""
    return [r for r in runs.of_member(conn, user_id) if r.is_open and runners.get(conn, r.id, user_id)]


def _organising(conn: sqlite3.Connection, where: Where, ended_too: bool) -> list[Run]:
    """The open runs the person organises (every open run for an operator); with `ended_too` and none open,
    the ended ones (an operator: the run created last)."""
    found = runs.open_runs(conn, limit=None) if where.is_operator else runs.organised_by(conn, where.user_id or 0)
    open_ones = [r for r in found if r.is_open]
    if open_ones or not ended_too:
        return open_ones
    return _latest(conn) if where.is_operator else found


def _readable(conn: sqlite3.Connection, user_id: int) -> list[Run]:
    """The open runs the person is part of; with none, the ended ones they were part of and the open listed
    runs (one: the answer; an ended run of theirs and a new one: asked); with neither, the run created last."""
    mine = runs.of_member(conn, user_id)
    open_mine = [r for r in mine if r.is_open]
    if open_mine:
        return open_mine
    listed = [r for r in runs.open_runs(conn, listed_only=True) if all(r.id != m.id for m in mine)]
    return mine + listed or _latest(conn)


def _latest(conn: sqlite3.Connection) -> list[Run]:
    run = runs.latest(conn)
    return [run] if run else []


def resolve(conn: sqlite3.Connection, where: Where, role: Role = Role.READER) -> Run:
    """The one run the message is about, or the question (`WhichRun`) or refusal to answer instead."""
    found = candidates(conn, where, role)
    if len(found) == 1 and role in (Role.ORGANISER, Role.CLOSER) and not where.in_group:
        chosen = runs.chat_run(conn, where.chat_id)
        if chosen is not None and chosen.id != found[0].id:  # the chat is about a run they do not organise:
            raise WhichRun(found)  # confirm the one they do with its button, never change it unasked
    if len(found) == 1:
        return found[0]
    if found:
        raise WhichRun(found)
    if role is Role.READER:
        raise NoRun()
    readable = candidates(conn, where, Role.READER)
    if not readable:
        raise NoRun()
    run = readable[0] if len(readable) == 1 else None
    if run is not None and not run.is_open and _has_role(conn, run, where, role):
        require_open(conn, run.id)  # says it has ended
    if role in (Role.ORGANISER, Role.CLOSER):
        raise UserError(NOT_ORGANISER)
    title = run.title if run else "a run"
    raise UserError(f"Only the runners of {title} can post updates. An organiser can invite you.")


def _has_role(conn: sqlite3.Connection, run: Run, where: Where, role: Role) -> bool:
    user_id = where.user_id or 0
    if role is Role.RUNNER:
        return runners.get(conn, run.id, user_id) is not None
    return where.is_operator or runs.is_organiser(conn, run.id, user_id)


async def run_for(db: Database, where: Where, role: Role = Role.READER) -> Run:
    return await db.read(lambda conn: resolve(conn, where, role))


def require_reachable(conn: sqlite3.Connection, run_id: int, where: Where) -> Run:
    """A run a button names: listed, or one the person is part of, or the chat's run (an unlisted run is
    reached by its link, not by a forged button)."""
    run = require(conn, run_id)
    chosen = runs.chat_run(conn, where.chat_id)
    mine = where.user_id is not None and any(r.id == run_id for r in runs.of_member(conn, where.user_id))
    if not (run.listed or mine or (chosen is not None and chosen.id == run_id)):
        raise UserError("That run is no longer here.")
    return run


async def activity_runs(db: Database, where: Where) -> tuple[tuple[int, ...], int | None]:
    """The runs a watch file may be for, and the one the chat is about if any: the open runs its sender runs
    (the file's start date picks one; the chat's run where the date fits several), else the run the chat is
    about (the file is a supporter's log)."""

    def work(conn: sqlite3.Connection) -> tuple[tuple[int, ...], int | None]:
        chosen = runs.chat_run(conn, where.chat_id)
        own = running(conn, where.user_id or 0)
        if own:
            return tuple(r.id for r in own), chosen.id if chosen else None
        return (resolve(conn, where, Role.READER).id,), None

    return await db.read(work)


def require(conn: sqlite3.Connection, run_id: int) -> Run:
    """The run as this transaction reads it (it may have ended since the message was resolved)."""
    run = runs.get(conn, run_id)
    if run is None:
        raise UserError("That run is no longer here.")
    return run


def require_open(conn: sqlite3.Connection, run_id: int) -> Run:
    run = require(conn, run_id)
    if run.ended_at is not None:
        raise UserError(f"{run.title} has ended: its figures stay as they are. /runs shows the runs you can join.")
    return run


def require_organiser(conn: sqlite3.Connection, who: Organiser, open_only: bool = True) -> Run:
    run = require_open(conn, who.run_id) if open_only else require(conn, who.run_id)
    if not who.is_operator and not runs.is_organiser(conn, run.id, who.user_id):
        raise UserError(NOT_ORGANISER)
    return run
