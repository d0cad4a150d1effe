"""Reading a planned route from a GPX file: its geometry and its named waypoints as checkpoints.

`read_route` is pure; `read_route_bounded` runs it in a bounded child process (bot.files.bounded_read),
as the bot does for every file a person sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.domain.coordinates import first_off_the_map, off_the_map_text
from bot.domain.geometry import ROUTE_MAX_POINTS, Checkpoint, LatLon, Route, place, simplify
from bot.domain.units import km
from bot.files.bounded_read import DEFAULT_TIMEOUT_S, run_bounded
from bot.files.safe_gpx import FileRefusedError, check_size, load_gpx

ROUTE_SEND_INSTEAD = "the route as a .gpx file"


class RouteFileError(FileRefusedError):
    """A route file that cannot be used; `message` says why and what to send instead."""


@dataclass(frozen=True)
class PlannedRoute:
    """A route read from a file: its (simplified) geometry and its named waypoints as checkpoints."""

    route: Route
    checkpoints: tuple[Checkpoint, ...]
    far_waypoints: tuple[str, ...]
    """Named waypoints farther than OFF_ROUTE_M from the route: not made checkpoints."""
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values: the points, the checkpoints as [name, metres], the far waypoints, the name."""
        return {
            "points": [list(p) for p in self.route.points],
            "checkpoints": [[c.name, c.along_m] for c in self.checkpoints],
            "far_waypoints": list(self.far_waypoints),
            "name": self.name,
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> PlannedRoute:
        return cls(
            route=Route.from_points([(float(lat), float(lon)) for lat, lon in values["points"]]),
            checkpoints=tuple(Checkpoint(str(name), int(along)) for name, along in values["checkpoints"]),
            far_waypoints=tuple(str(name) for name in values["far_waypoints"]),
            name=values["name"],
        )


def read_route(data: bytes) -> PlannedRoute:
    """A planned route from GPX bytes: its tracks (else its routes) joined in file order, simplified to
    ROUTE_MAX_POINTS; each named waypoint within OFF_ROUTE_M of it becomes a checkpoint at its km.

    The length is that of the simplified route, the one positions are measured along. Raises
    RouteFileError with a message for the organiser.
    """
    gpx = load_gpx(data, RouteFileError, what="a route", send_instead=ROUTE_SEND_INSTEAD)
    points: list[LatLon] = [
        (p.latitude, p.longitude) for track in gpx.tracks for segment in track.segments for p in segment.points
    ]
    if len(points) < 2:
        points = [(p.latitude, p.longitude) for rte in gpx.routes for p in rte.points] or points
    off_map = first_off_the_map([*points, *((w.latitude, w.longitude) for w in gpx.waypoints)])
    if off_map is not None:
        raise RouteFileError(off_the_map_text(off_map, "route file", ROUTE_SEND_INSTEAD))
    if len(points) == 1:
        raise RouteFileError(
            "This GPX file's route is a single point: a route needs two or more. Draw the route in a route planner"
            " and export it as GPX."
        )
    if len(points) < 2:
        count = len(gpx.waypoints)
        raise RouteFileError(
            f"This GPX file has no route or track in it, only {count} waypoint{'' if count == 1 else 's'}."
            " Draw the route in a route planner and export it as GPX."
        )
    route = Route.from_points(simplify(points, ROUTE_MAX_POINTS))
    if route.length_m == 0:
        raise RouteFileError("This route has no length: all its points are in one place. Send the whole route.")
    checkpoints: list[Checkpoint] = []
    far: list[str] = []
    seen: set[str] = set()
    for waypoint in gpx.waypoints:
        name = (waypoint.name or "").strip()
        if not name or name in seen:
            continue
        seen.add(name)
        placement = place(route, waypoint.latitude, waypoint.longitude)
        if placement.on_route:
            checkpoints.append(Checkpoint(name=name, along_m=placement.along_m))
        else:
            far.append(name)
    checkpoints.sort(key=lambda c: c.along_m)
    title = next((t.name for t in gpx.tracks if t.name), None) or next((r.name for r in gpx.routes if r.name), None)
    return PlannedRoute(route=route, checkpoints=tuple(checkpoints), far_waypoints=tuple(far), name=title)


async def read_route_bounded(data: bytes, timeout_s: float = DEFAULT_TIMEOUT_S) -> PlannedRoute:
    """`read_route` in a bounded child process (see bot.files.bounded_read); RouteFileError on any failure."""
    check_size(len(data), RouteFileError, ROUTE_SEND_INSTEAD)
    payload = await run_bounded(
        f"{__name__}:read_route_dict",
        data,
        "route.gpx",
        error=RouteFileError,
        send_instead=ROUTE_SEND_INSTEAD,
        timeout_s=timeout_s,
    )
    return PlannedRoute.from_dict(payload)


def describe_route(planned: PlannedRoute) -> str:
    """'The route is 418.3 km; 11 checkpoints: Vasai (km 48.2), ...' (plain text, names not escaped)."""
    head = f"The route is {km(planned.route.length_m)} km"
    if not planned.checkpoints:
        text = f"{head}; no named waypoints in the file to use as checkpoints."
    else:
        count = len(planned.checkpoints)
        listed = ", ".join(f"{c.name} (km {km(c.along_m)})" for c in planned.checkpoints)
        text = f"{head}; {count} checkpoint{'s' if count != 1 else ''}: {listed}."
    if planned.far_waypoints:
        text += f" Not on the route, so left out: {', '.join(planned.far_waypoints)}."
    return text


def read_route_dict(data: bytes, filename: str) -> dict[str, Any]:
    """The child process's reader (bot.files.bounded_read)."""
    return read_route(data).to_dict()
