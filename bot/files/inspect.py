"""`python -m bot inspect FILE [--route] [--json]`: what the bot reads from a file, without sending it.

The file goes through the bot's own bounded readers (read_activity_bounded, read_route_bounded), so the answer
is the bot's: the figures it would post, or the reply it would refuse the file with. Human-readable lines by
default; with --json one object on one line:
    {"kind": "activity", "distance_m": 4489, "started_at": "2017-10-08T14:54:11+00:00", "duration_s": 2824.4,
     "points": 502, "source": "device", "track_m": 4395, "device_m": 4489, "format": "fit", "notes": [...]}
    {"kind": "route", "distance_m": 48246, "checkpoints": 4, "waypoints_left_out": 0, "points": 1352, ...}
    {"refused": "<the reply the bot would send>"}
Exit status: 0 read, 1 refused, 2 no such file (or not readable).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.domain.route_progress import duration_text
from bot.domain.units import km
from bot.files.activity_files import SEND_INSTEAD, Activity, ActivityFileError, read_activity_bounded
from bot.files.route_files import ROUTE_SEND_INSTEAD, PlannedRoute, RouteFileError, describe_route, read_route_bounded
from bot.files.safe_gpx import FileRefusedError, check_size

READ, REFUSED, NO_FILE = 0, 1, 2


def activity_figures(activity: Activity) -> dict[str, Any]:
    """The --json object of an activity."""
    return {
        "kind": "activity",
        "distance_m": activity.distance_m,
        "started_at": activity.started_at.isoformat(),
        "duration_s": activity.duration.total_seconds(),
        "points": activity.points,
        "source": activity.distance_source,
        "track_m": activity.track_m,
        "device_m": activity.device_m,
        "format": activity.source,
        "notes": list(activity.notes),
    }


def route_figures(planned: PlannedRoute) -> dict[str, Any]:
    """The --json object of a route."""
    return {
        "kind": "route",
        "distance_m": planned.route.length_m,
        "checkpoints": len(planned.checkpoints),
        "waypoints_left_out": len(planned.far_waypoints),
        "points": len(planned.route.points),
        "name": planned.name,
    }


def activity_text(activity: Activity) -> str:
    """A few lines: the kind and km, which figure, the start, the duration, the points, what was left out."""
    if activity.distance_source == "device":
        which = "the device's own figure"
        if activity.device_m != activity.track_m:
            which += f"; the track's points add up to {km(activity.track_m)} km"
    elif activity.device_m is None:
        which = "the sum of the track (the file has no figure of the device's own)"
    else:
        which = f"the sum of the track; the device's own figure, {km(activity.device_m)} km, was set aside"
    seconds = activity.duration.total_seconds()
    lines = [
        f"Activity ({activity.source.upper()} file): {km(activity.distance_m)} km, {which}",
        f"Started {activity.started_at:%Y-%m-%d %H:%M:%S} UTC, lasted {duration_text(seconds)} ({seconds:,.0f} s)",
        f"{activity.points:,} track points read ({len(activity.track):,} kept for the map)",
    ]
    lines += [f"Note: {note}" for note in activity.notes]
    return "\n".join(lines)


def route_text(planned: PlannedRoute) -> str:
    lines = [f"Route{f' «{planned.name}»' if planned.name else ''}: {describe_route(planned)}"]
    lines.append(f"{len(planned.route.points):,} points kept")
    return "\n".join(lines)


async def _read(data: bytes, name: str, route: bool) -> dict[str, Any] | str:
    """The figures, or the bot's refusal."""
    try:
        if route:
            planned = await read_route_bounded(data)
            return route_figures(planned) | {"text": route_text(planned)}
        activity = await read_activity_bounded(data, name)
        return activity_figures(activity) | {"text": activity_text(activity)}
    except FileRefusedError as refused:
        return refused.message


def inspect_file(path: Path, *, route: bool = False, as_json: bool = False, out: TextIO | None = None) -> int:
    """Print what the bot reads from the file at `path`; the exit status (READ, REFUSED or NO_FILE)."""
    out = out or sys.stdout
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise IsADirectoryError(path)
        # the bot refuses a file over Telegram's limit from its size, before downloading it: so does this
        check_size(size, RouteFileError if route else ActivityFileError, ROUTE_SEND_INSTEAD if route else SEND_INSTEAD)
        data = path.read_bytes()
    except FileRefusedError as refused:
        found: dict[str, Any] | str = refused.message
    except OSError as exc:
        print(f"Cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return NO_FILE
    else:
        found = asyncio.run(_read(data, path.name, route))
    if isinstance(found, str):
        print(json.dumps({"refused": found}, ensure_ascii=False) if as_json else f"Refused: {found}", file=out)
        return REFUSED
    text = found.pop("text")
    print(json.dumps(found, ensure_ascii=False) if as_json else text, file=out)
    return READ
