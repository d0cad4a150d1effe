"""The planned route: its length, its checkpoints, and where a position falls on it, in words."""

from __future__ import annotations

import io
import math
import zipfile

import gpxpy.gpx
import pytest

from bot.demo import files as demo_files
from bot.domain.geometry import (
    EARTH_RADIUS_M,
    ROUTE_MAX_POINTS,
    Checkpoint,
    Placement,
    Route,
    haversine_m,
    nearby,
    place,
    simplify,
    track_length_m,
)
from bot.domain.units import km as km_text
from bot.files.route_files import RouteFileError, describe_route, read_route, read_route_bounded
from bot.replies.render_route import place_text


def describe_place(placement: Placement, checkpoints: tuple[Checkpoint, ...]) -> str:
    """The words a reply uses for a place: the domain's values, the replies' text."""
    return place_text(nearby(placement, checkpoints))


NORTH_PER_M = 180 / (math.pi * EARTH_RADIUS_M)  # degrees of latitude per metre


def east_deg(metres: float, lat: float) -> float:
    return metres * NORTH_PER_M / math.cos(math.radians(lat))


@pytest.fixture(scope="module")
def unity() -> bytes:
    return demo_files.unity_route_gpx()


def straight_route_gpx(waypoints: list[tuple[str, float, float]]) -> bytes:
    """Due north from (20, 73) for 400 km, a point every km."""
    points = [(20.0 + i * 1000 * NORTH_PER_M, 73.0) for i in range(401)]
    return demo_files.route_gpx(points, waypoints, "straight")


def refusal(data: bytes) -> str:
    with pytest.raises(RouteFileError) as caught:
        read_route(data)
    return caught.value.message


def test_haversine_of_one_degree_of_latitude() -> None:
    assert haversine_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(111_195, abs=1)
    assert haversine_m(18.922, 72.8347, 21.838, 73.7191) == pytest.approx(337_000, rel=0.01)


def test_the_unity_route_is_418_3_km_with_its_towns_as_checkpoints_in_order(unity: bytes) -> None:
    planned = read_route(unity)
    assert km_text(planned.route.length_m) == "418.3"
    assert len(planned.route.points) <= ROUTE_MAX_POINTS
    names = [c.name for c in planned.checkpoints]
    assert names == [
        "Vasai",
        "Virar",
        "Palghar",
        "Dahanu",
        "Vapi",
        "Valsad",
        "Navsari",
        "Surat",
        "Bharuch",
        "Rajpipla",
        "Kevadia",
    ]
    assert [c.along_m for c in planned.checkpoints] == sorted(c.along_m for c in planned.checkpoints)
    assert planned.checkpoints[-1].along_m == pytest.approx(planned.route.length_m, abs=50)
    assert planned.name == "The Unity Run: Mumbai -> Statue of Unity"
    text = describe_route(planned)
    assert text.startswith("The route is 418.3 km; 11 checkpoints: Vasai (km ")
    assert text.endswith("Kevadia (km 418.3).")


def test_a_route_is_stored_with_at_most_the_cap_of_points() -> None:
    points = [(20.0 + i * 1e-4, 73.0 + 0.001 * math.sin(i / 5)) for i in range(50_000)]
    route_gpx = demo_files.route_gpx(points, [], "zigzag")
    planned = read_route(route_gpx)
    assert len(planned.route.points) == ROUTE_MAX_POINTS
    assert planned.route.points[0] == pytest.approx(points[0])
    assert planned.route.points[-1] == pytest.approx(points[-1])
    assert "no named waypoints" in describe_route(planned)


def test_a_gpx_route_made_of_route_points_is_read_too() -> None:
    gpx = gpxpy.gpx.GPX()
    rte = gpxpy.gpx.GPXRoute(name="Plan")
    rte.points.extend(gpxpy.gpx.GPXRoutePoint(20.0 + i * 0.1, 73.0) for i in range(11))
    gpx.routes.append(rte)
    gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(20.5, 73.0, name="Halfway"))
    planned = read_route(gpx.to_xml().encode())
    assert km_text(planned.route.length_m) == "111.2"
    assert describe_route(planned) == "The route is 111.2 km; 1 checkpoint: Halfway (km 55.6)."
    assert planned.name == "Plan"


def test_a_waypoint_far_from_the_route_is_left_out_and_named() -> None:
    planned = read_route(straight_route_gpx([("Surat", 21.0, 73.0), ("Mumbai airport", 20.5, 74.0)]))
    assert [c.name for c in planned.checkpoints] == ["Surat"]
    assert planned.far_waypoints == ("Mumbai airport",)
    assert describe_route(planned).endswith("Not on the route, so left out: Mumbai airport.")


def test_route_files_that_cannot_be_used_get_a_reply_for_the_organiser(unity: bytes) -> None:
    only_waypoints = gpxpy.gpx.GPX()
    only_waypoints.waypoints.append(gpxpy.gpx.GPXWaypoint(20.0, 73.0, name="Vapi"))
    assert refusal(only_waypoints.to_xml().encode()).startswith("This GPX file has no route or track in it")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("route.gpx", unity)
    assert refusal(buffer.getvalue()) == (
        "This is a zip archive, not a GPX file. Unzip it and send the route as a .gpx file."
    )
    xxe = b'<!DOCTYPE gpx [<!ENTITY x SYSTEM "http://example.invalid/">]><gpx>&x;</gpx>'
    assert "declares a DOCTYPE or entities" in refusal(xxe)
    assert refusal(b"\x00\x01 not xml") == "This is not a GPX file. Send the route as a .gpx file."


def test_simplify_keeps_the_ends_and_the_corners() -> None:
    line = [(20.0 + i * 1e-3, 73.0) for i in range(100)]
    assert simplify(line, 50) == (line[0], line[-1])
    corner = [*line, *((line[-1][0], 73.0 + i * 1e-3) for i in range(1, 100))]
    assert simplify(corner, 50) == (line[0], line[-1], corner[-1])
    wiggly = [(20.0 + i * 1e-4, 73.0 + 0.01 * math.sin(i / 3)) for i in range(300_000)]
    simplified = simplify(wiggly, 2_000)
    assert len(simplified) == 2_000
    assert simplified[0] == wiggly[0]
    assert simplified[-1] == wiggly[-1]


def test_track_length_is_the_sum_of_great_circle_segments() -> None:
    assert track_length_m([(0.0, 0.0), (0.5, 0.0), (1.0, 0.0)]) == pytest.approx(111_195, abs=1)
    assert track_length_m([(0.0, 0.0)]) == 0.0


def test_a_position_on_the_route_is_placed_at_its_km() -> None:
    planned = read_route(straight_route_gpx([("Vapi", 20.0 + 190_000 * NORTH_PER_M, 73.0)]))
    lat = 20.0 + 182_000 * NORTH_PER_M
    placement = place(planned.route, lat, 73.0)
    assert placement == Placement(along_m=182_000, off_route_m=0)
    assert describe_place(placement, planned.checkpoints) == "near km 182, 8 km before Vapi"


def test_a_position_beside_the_route_is_off_it_by_its_distance() -> None:
    planned = read_route(straight_route_gpx([("Vapi", 20.0 + 190_000 * NORTH_PER_M, 73.0)]))
    lat = 20.0 + 182_000 * NORTH_PER_M
    placement = place(planned.route, lat, 73.0 + east_deg(2_300, lat))
    assert placement.along_m == 182_000
    assert placement.off_route_m == pytest.approx(2_300, abs=2)
    assert describe_place(placement, planned.checkpoints) == "off the route by 2.3 km (near km 182)"
    near = place(planned.route, lat, 73.0 + east_deg(400, lat))
    assert describe_place(near, planned.checkpoints) == "near km 182, 8 km before Vapi"


def test_positions_before_the_start_and_past_the_end_clamp_to_the_ends() -> None:
    route = Route.from_points([(20.0, 73.0), (21.0, 73.0)])
    assert place(route, 19.99, 73.0).along_m == 0
    assert place(route, 21.0, 73.0).along_m == route.length_m
    assert place(route, 21.5, 73.0).off_route_m == pytest.approx(55_597, abs=2)


def test_the_unity_demo_day_ends_near_km_24(unity: bytes) -> None:
    planned = read_route(unity)
    last = demo_files.unity_day1_samples()[-1]
    placement = place(planned.route, last.lat, last.lon)
    assert placement.off_route_m <= 5
    assert describe_place(placement, planned.checkpoints).startswith("near km 24, ")
    assert describe_place(placement, planned.checkpoints).endswith(" km before Vasai")


CHECKPOINTS = (Checkpoint("Vapi", 190_000), Checkpoint("Surat", 270_000), Checkpoint("Kevadia", 418_300))


@pytest.mark.parametrize(
    ("placement", "text"),
    [
        (Placement(182_000, 40), "near km 182, 8 km before Vapi"),
        (Placement(182_449, 0), "near km 182.4, 7.6 km before Vapi"),
        (Placement(189_700, 0), "near km 189.7, at Vapi"),
        (Placement(190_400, 0), "near km 190.4, at Vapi"),
        (Placement(191_000, 0), "near km 191, 79 km before Surat"),
        (Placement(419_300, 900), "near km 419.3, 1 km past Kevadia"),
        (Placement(182_000, 2_300), "off the route by 2.3 km (near km 182)"),
        (Placement(0, 12_050), "off the route by 12.1 km (near km 0)"),
    ],
)
def test_describe_place(placement: Placement, text: str) -> None:
    assert describe_place(placement, CHECKPOINTS) == text


def test_describe_place_without_checkpoints() -> None:
    assert describe_place(Placement(24_000, 0), ()) == "near km 24"


@pytest.mark.parametrize(("metres", "text"), [(8_000, "8"), (2_300, "2.3"), (418_300, "418.3"), (50, "0.1"), (0, "0")])
def test_km_text(metres: int, text: str) -> None:
    assert km_text(metres) == text


async def test_bounded_route_read_gives_the_same_route_and_checkpoints(unity: bytes) -> None:
    planned = await read_route_bounded(unity)
    assert planned == read_route(unity)
    assert describe_route(planned) == describe_route(read_route(unity))


async def test_bounded_route_read_refuses_with_the_same_message() -> None:
    with pytest.raises(RouteFileError) as caught:
        await read_route_bounded(b'<!DOCTYPE gpx [<!ENTITY x "y">]><gpx>&x;</gpx>')
    assert "declares a DOCTYPE or entities" in caught.value.message
