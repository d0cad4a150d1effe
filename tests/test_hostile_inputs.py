"""Hostile and careless input to the newest parts, through the real Application: activity files, the
route, checkpoints. Each test failed before the fix it comes with."""

from __future__ import annotations

from datetime import datetime

from storage import checkpoints, logs, positions, routes, updates
from tests.conftest import ASHA, MILIND, ORGANISER
from tests.test_files_and_route import day_of_run


def activity(points: list[tuple[object, object, str]]) -> bytes:
    """A GPX activity track written by hand: (lat, lon, time text) per point."""
    body = "".join(f'<trkpt lat="{lat}" lon="{lon}"><time>{at}</time></trkpt>' for lat, lon, at in points)
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="hand" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><trkseg>{body}</trkseg></trk></gpx>"
    ).encode()


def route(points: list[tuple[object, object]], waypoints: list[tuple[str, float, float]] = []) -> bytes:  # noqa: B006
    marks = "".join(f'<wpt lat="{lat}" lon="{lon}"><name>{name}</name></wpt>' for name, lat, lon in waypoints)
    body = "".join(f'<trkpt lat="{lat}" lon="{lon}"/>' for lat, lon in points)
    return (
        f'<gpx version="1.1" creator="hand" xmlns="http://www.topografix.com/GPX/1/1">{marks}'
        f"<trk><trkseg>{body}</trkseg></trk></gpx>"
    ).encode()


MORNING = ("2021-08-15T01:00:00Z", "2021-08-15T02:00:00Z")


# --- Coordinates that are not places on Earth -----------------------------------------------------------


async def test_an_activity_with_a_latitude_past_the_pole_is_refused_plainly(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    reply = await unity.send_file(MILIND, "run.gpx", activity([(95, 72.8, MORNING[0]), (95.01, 72.8, MORNING[1])]))
    assert reply == (
        "This activity file has a point at latitude 95, longitude 72.8, which is not a place on Earth (latitudes"
        " run from -90 to 90, longitudes from -180 to 180), so it was not read. Send the .gpx or .fit file your"
        " watch or app exports for one activity."
    )
    assert await unity.query(positions.latest_until, 1, unity.clock()) is None
    assert await unity.query(updates.of_day, 1, datetime(2021, 8, 15).date()) == []


async def test_an_activity_with_nan_or_huge_coordinates_is_refused_as_off_the_map(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    for n, lat in enumerate(("NaN", "inf", "1e308")):
        reply = await unity.send_file(
            ASHA, f"run{n}.gpx", activity([(lat, 72.8, MORNING[0]), (19.0, 72.8, MORNING[1])])
        )
        assert "which is not a place on Earth" in reply, reply
    assert await unity.query(logs.last_of, 1, ASHA.id) is None


async def test_a_route_with_a_point_off_the_map_is_refused_and_no_route_is_saved(unity) -> None:
    for lat in ("95", "NaN", "-inf"):
        reply = await unity.send_file(ORGANISER, "route.gpx", route([(lat, 72.8), (19.1, 72.8)]), caption="/route")
        assert reply.startswith("This route file has a point at latitude "), reply
        assert reply.endswith(
            "which is not a place on Earth (latitudes run from -90 to 90, longitudes from -180 to 180),"
            " so it was not read. Send the route as a .gpx file."
        )
    assert await unity.query(routes.length_of, 1) is None


async def test_a_route_waypoint_off_the_map_is_refused_too(unity) -> None:
    data = route([(19.0, 72.8), (19.1, 72.8)], [("North Pole+", 91.0, 72.8)])
    reply = await unity.send_file(ORGANISER, "route.gpx", data, caption="/route")
    assert "latitude 91, longitude 72.8, which is not a place on Earth" in reply
    assert await unity.query(checkpoints.of_run, 1) == []
