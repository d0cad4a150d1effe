"""A checkpoint's name as people see it: no invisible characters, one space between words, compared
without regard to case. Pure.

Names come from an organiser's /checkpoint and from a route file's waypoints, and are shown to everyone
(messages, the live page). HTML escaping keeps their markup inert but not Unicode's format characters: a
right-to-left override (U+202E) turns the rest of a message around, a zero-width space makes a name that
shows as nothing. Those are dropped; the zero-width joiner stays, as emoji sequences need it.
"""

from __future__ import annotations

import unicodedata

MAX_CHECKPOINTS = 100
"""A run keeps at most this many checkpoints (one every 4 km of a 416 km run); /checkpoints stays readable."""
_JOINER = "\u200d"


def visible(text: str) -> str:
    """The text without format characters (Unicode category Cf) but the zero-width joiner, spaces collapsed."""
    kept = "".join(c for c in text if c == _JOINER or unicodedata.category(c) != "Cf")
    return " ".join(kept.split())


def same_name(a: str, b: str) -> bool:
    return a.casefold() == b.casefold()
