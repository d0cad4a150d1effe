"""The index of runs: its JSON (`/api/runs.json`) as the page's server shows it, and its HTML page (`/`).

The source's index is read through `public_index`: only the fields the README lists, an entry whose slug is
not a slug dropped (its address could not be written). The page is written here, on the server, every title
and place HTML-escaped (they are the organisers' own words); the page needs no script to show the runs.
"""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import Any

from bot.domain.slugs import is_slug
from bot.domain.units import day_text, km

ENTRY_FIELDS = ("slug", "title", "from", "to", "distance_m", "start_date", "end_date", "covered_m", "ended")
RUNS_MARK = "<!-- runs -->"


def public_index(index: dict[str, Any]) -> dict[str, Any]:
    """`{"open": [...], "past": [...]}` with each entry's listed fields and its `page` (`/r/<slug>`)."""
    return {part: [entry for raw in _list(index.get(part)) if (entry := _entry(raw))] for part in ("open", "past")}


def newest(index: dict[str, Any]) -> str | None:
    """The run an old address stands for: the newest open listed run, else the latest ended one, else none."""
    for part in ("open", "past"):
        entries = index.get(part) or []
        if entries:
            slug: str = entries[0]["slug"]
            return slug
    return None


def render(template: str, index: dict[str, Any]) -> bytes:
    """The index page: the template with its `<!-- runs -->` replaced by the open and the past runs."""
    open_runs, past = index["open"], index["past"]
    parts = ['<section class="card" aria-labelledby="open-h">', '<h2 id="open-h">Open runs</h2>']
    if open_runs:
        parts += ['<ol class="runs" id="open">', *(_item(entry) for entry in open_runs), "</ol>"]
    else:
        parts.append('<p class="muted" id="open">No run at the moment.</p>')
    parts.append("</section>")
    if past:
        parts += ['<section class="card" aria-labelledby="past-h">', '<h2 id="past-h">Past runs</h2>']
        parts += ['<ol class="runs" id="past">', *(_item(entry) for entry in past), "</ol>", "</section>"]
    return template.replace(RUNS_MARK, "\n".join(parts)).encode()


def read_template(path: Path) -> str:
    template = path.read_text(encoding="utf-8")
    if RUNS_MARK not in template:
        raise ValueError(f"{path} has no {RUNS_MARK} for the runs")
    return template


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _entry(raw: object) -> dict[str, Any] | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("slug"), str) or not is_slug(raw["slug"]):
        return None
    entry = {name: raw.get(name) for name in ENTRY_FIELDS}
    entry["page"] = f"/r/{raw['slug']}"
    return entry


def _text(value: object) -> str:
    return html.escape(value if isinstance(value, str) else "", quote=True)


def _metres(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _day(value: object) -> str:
    try:
        return day_text(date.fromisoformat(value)) if isinstance(value, str) else ""
    except ValueError:
        return ""


def _item(entry: dict[str, Any]) -> str:
    distance, covered = _metres(entry["distance_m"]), _metres(entry["covered_m"])
    figures = f"{km(covered)} of {km(distance)} km" if covered is not None and distance else ""
    share = min(covered / distance, 1.0) * 100 if covered is not None and distance else 0.0
    places = " → ".join(p for p in (_text(entry["from"]), _text(entry["to"])) if p)
    days = " – ".join(d for d in (_day(entry["start_date"]), _day(entry["end_date"])) if d)
    title = _text(entry["title"]) or entry["slug"]
    return (
        f'<li class="run{" ended" if entry["ended"] else ""}">'
        f'<a class="title" href="r/{entry["slug"]}">{title}</a>'
        f'<p class="muted">{places}</p>'
        f'<p class="figures-line">{figures}{" · ended" if entry["ended"] else ""}</p>'
        f'<div class="bar small"><div class="fill" style="width: {share:.1f}%"></div></div>'
        f'<p class="muted dates">{days}</p>'
        "</li>"
    )
