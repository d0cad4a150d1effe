"""The news a write causes, as the outbox stores it: what happened, in figures, never in words.

A service makes one of these inside the write's transaction (bot.services.news); the outbox keeps it as
its kind and a JSON object (storage.outbox); the sender reads it back and bot.replies.news writes the
text when the message goes out, for the chat it goes to. `Prewritten` is a message queued as text by an
earlier version of the bot, sent as it was written.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any, ClassVar


@dataclass(frozen=True)
class RunnerPosted:
    """A runner's new update, for their followers."""

    kind: ClassVar[str] = "follower"
    run_id: int
    run_title: str
    runner_name: str
    is_lead: bool
    metres: int | None
    """The update's km; None where the public does not see each update's km (/position coarse)."""
    day: int
    note: str | None
    route_m: int
    """The lead runners' metres, all updates, after this one (as the public sees them)."""
    distance_m: int
    runner_total_m: int


@dataclass(frozen=True)
class MilestoneReached:
    """A share of the route (25, 50, 75 or 100%) passed for the first time."""

    kind: ClassVar[str] = "milestone"
    run_id: int
    run_title: str
    percent: int
    day: int
    route_m: int
    distance_m: int


@dataclass(frozen=True)
class CheckpointsPassed:
    """Checkpoints one update passed for the first time, in route order, as (name, metres along)."""

    kind: ClassVar[str] = "checkpoint"
    run_id: int
    run_title: str
    passed: tuple[tuple[str, int], ...]
    day: int


@dataclass(frozen=True)
class Prewritten:
    """A message the previous version queued as text."""

    kind: ClassVar[str] = "text"
    text: str


News = RunnerPosted | MilestoneReached | CheckpointsPassed | Prewritten
KINDS: dict[str, type[News]] = {
    cls.kind: cls for cls in (RunnerPosted, MilestoneReached, CheckpointsPassed, Prewritten)
}


class UnknownNews(ValueError):
    """A stored kind or its figures that this version cannot read."""


def to_json(news: News) -> str:
    return json.dumps(asdict(news))


def from_json(kind: str, facts: str) -> News:
    """The news stored as `kind` and `facts`; UnknownNews if this version cannot read it."""
    cls = KINDS.get(kind)
    if cls is None:
        raise UnknownNews(f"unknown kind of news {kind!r}")
    try:
        values: dict[str, Any] = json.loads(facts)
        if cls is CheckpointsPassed:
            values["passed"] = tuple((str(name), int(at)) for name, at in values["passed"])
        return cls(**{f.name: values[f.name] for f in fields(cls)})
    except (ValueError, KeyError, TypeError) as error:
        raise UnknownNews(f"unreadable {kind} news: {error}") from None
