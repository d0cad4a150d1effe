"""A run's slug: its short public name in links (t.me/<bot>?start=<slug>, /r/<slug>).

Lowercase ASCII letters, digits and single inner dashes, 3 to 32 characters: a deep link's payload allows
up to 64 of [A-Za-z0-9_-], and a slug stays readable when said aloud. Made from the title where the title
is Latin text; a title in another script gets `run-<number>` from the service."""

from __future__ import annotations

import re
import unicodedata

MIN_SLUG, MAX_SLUG = 3, 32
SLUG = re.compile(rf"[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){{{MIN_SLUG - 1},{MAX_SLUG - 1}}}")


def is_slug(text: str) -> bool:
    return SLUG.fullmatch(text) is not None


def slug_of(title: str, room: int = MAX_SLUG) -> str | None:
    """The title as a slug of at most `room` characters ("The Unity Run 2021" -> "the-unity-run-2021"), or None
    when too little of it is Latin letters or digits. Accents are dropped (São Paulo -> sao-paulo)."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", plain)
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word[:room]
        if len(longer) > room:
            break
        slug = longer
    return slug if len(slug) >= MIN_SLUG else None


def numbered(slug: str, n: int) -> str:
    """The n-th slug for a title whose slug is taken: unity-run-2, unity-run-3, ..."""
    suffix = f"-{n}"
    return slug[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
