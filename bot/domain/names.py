"""A name as people see it: a person's, a run's, a place's, a checkpoint's. Pure.

Names come from Telegram (first names, group titles) and from what people type (/newrun, /checkpoint, a
route's waypoints), and are shown to everyone: replies, the outbox's news, the summaries, the cards, the
live page. HTML escaping keeps their markup inert but not Unicode's format characters (category Cf): a
right-to-left override (U+202E), an embedding, an isolate or a direction mark turns the text after the name
around, a zero-width space makes a name that shows as nothing. Those are dropped, where a name comes in and
again where it is shown (for names stored before). The zero-width joiner and non-joiner stay: emoji
sequences and Indic scripts need them, and they move no text.
"""

from __future__ import annotations

import unicodedata

JOINERS = frozenset("\u200c\u200d")  # zero-width non-joiner, zero-width joiner


def display_name(text: str) -> str:
    """`text` without format characters (Unicode category Cf) but the joiners, its spaces collapsed to one;
    "" when nothing visible is left."""
    kept = "".join(c for c in text if c in JOINERS or unicodedata.category(c) != "Cf")
    shown = " ".join(kept.split())
    return shown if any(c not in JOINERS and not c.isspace() for c in shown) else ""
