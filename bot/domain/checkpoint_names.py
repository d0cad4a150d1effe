"""A checkpoint's name as people see it: no invisible characters, one space between words, compared
without regard to case. Pure.

Names come from an organiser's /checkpoint and from a route file's waypoints, and are shown to everyone
(messages, the live page): they are cleaned as every name is (bot.domain.names).
"""

from __future__ import annotations

from bot.domain.names import display_name

MAX_CHECKPOINTS = 100
"""A run keeps at most this many checkpoints (one every 4 km of a 416 km run); /checkpoints stays readable."""


def visible(text: str) -> str:
    """The text as a name is shown: no format characters but the joiners, spaces collapsed."""
    return display_name(text)


def same_name(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()
