"""Coordinates a file may hold: a latitude within ±90°, a longitude within ±180°, both finite numbers.

A watch or route planner never writes anything else; a file that does is damaged or made by hand, and its
points would give distances in the thousands of km (or NaN), a position the database refuses, or a route
simplification that never ends. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable


def on_the_map(lat: float, lon: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lon) and -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


def first_off_the_map(points: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """The first point that is not a place on Earth, or None when every one is."""
    return next(((lat, lon) for lat, lon in points if not on_the_map(lat, lon)), None)


def off_the_map_text(point: tuple[float, float], what: str, send_instead: str) -> str:
    """'This GPX file has a point at latitude 95, longitude 72.8, which is not on the map ...' (plain text)."""
    lat, lon = (f"{value:.6g}"[:24] for value in point)
    return (
        f"This {what} has a point at latitude {lat}, longitude {lon}, which is not a place on Earth"
        f" (latitudes run from -90 to 90, longitudes from -180 to 180), so it was not read. Send {send_instead}."
    )
