"""A runner's watch file: what the bot reads from it, and the reply for every file it will not read."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import UTC, date, datetime, timedelta

import gpxpy.gpx
import pytest

from bot.demo import files as demo_files
from bot.files.activity_files import (
    TRACK_MAX_POINTS,
    Activity,
    ActivityFileError,
    fit_crc,
    read_activity,
    read_activity_bounded,
)
from bot.files.safe_gpx import MAX_FILE_BYTES, MAX_POINTS


@pytest.fixture(scope="module")
def day1_gpx() -> bytes:
    return demo_files.unity_day1_gpx()


@pytest.fixture(scope="module")
def day1_fit() -> bytes:
    return demo_files.unity_day1_fit()


def refusal(data: bytes, filename: str = "run.gpx") -> str:
    with pytest.raises(ActivityFileError) as caught:
        read_activity(data, filename)
    return caught.value.message


def gpx_of(points: list[tuple[float, float, datetime | None]]) -> bytes:
    gpx = gpxpy.gpx.GPX()
    track = gpxpy.gpx.GPXTrack()
    segment = gpxpy.gpx.GPXTrackSegment()
    segment.points.extend(gpxpy.gpx.GPXTrackPoint(latitude=a, longitude=b, time=t) for a, b, t in points)
    track.segments.append(segment)
    gpx.tracks.append(track)
    return gpx.to_xml().encode()


def test_day1_gpx_gives_24_km_started_at_six_in_the_morning_in_mumbai(day1_gpx: bytes) -> None:
    activity = read_activity(day1_gpx, "Morning_Run.gpx")
    assert abs(activity.distance_m - 24_000) <= 5
    assert activity.started_at == datetime(2021, 8, 15, 0, 30, tzinfo=UTC)
    assert activity.day("Asia/Kolkata") == date(2021, 8, 15)
    assert activity.duration == timedelta(hours=2, minutes=36)
    assert activity.source == "gpx"
    assert 2 <= len(activity.track) <= TRACK_MAX_POINTS
    assert activity.track[0] == pytest.approx((18.922, 72.8347), abs=1e-6)


def test_the_same_run_as_fit_gives_the_same_figures(day1_gpx: bytes, day1_fit: bytes) -> None:
    from_gpx = read_activity(day1_gpx, "run.gpx")
    from_fit = read_activity(day1_fit, "run.fit")
    assert from_fit.source == "fit"
    assert abs(from_fit.distance_m - from_gpx.distance_m) <= 5
    assert from_fit.started_at == from_gpx.started_at
    assert from_fit.duration == from_gpx.duration
    assert from_fit.track[-1] == pytest.approx(from_gpx.track[-1], abs=1e-5)


def test_the_day_is_the_start_in_the_run_time_zone_not_in_utc() -> None:
    route = demo_files.unity_route()
    before_dawn = datetime(2021, 8, 16, 23, 0, tzinfo=UTC)  # 04:30 on 17 Aug in India
    activity = read_activity(demo_files.activity_fit(demo_files.run_along(route, 0, 5_000, before_dawn)), "a.fit")
    assert activity.started_at.date() == date(2021, 8, 16)
    assert activity.day("Asia/Kolkata") == date(2021, 8, 17)


def test_the_file_name_does_not_decide_the_format(day1_fit: bytes) -> None:
    assert read_activity(day1_fit, "renamed.gpx").source == "fit"


def test_a_long_track_is_stored_simplified() -> None:
    route = demo_files.unity_route()
    samples = demo_files.run_along(route, 0, 100_000, demo_files.DAY1_START, every_s=5.0)
    activity = read_activity(demo_files.activity_gpx(samples), "long.gpx")
    assert len(samples) > 7_000
    assert len(activity.track) <= TRACK_MAX_POINTS
    assert abs(activity.distance_m - 100_000) <= 20


def test_a_file_over_the_bot_download_limit_is_refused_before_reading() -> None:
    message = refusal(b"<gpx>" + b" " * MAX_FILE_BYTES)
    assert "over 20 MB" in message
    assert ".gpx or .fit" in message


def test_a_zip_archive_named_gpx_is_refused(day1_gpx: bytes) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("run.gpx", day1_gpx)
    assert refusal(buffer.getvalue(), "run.gpx").startswith("This is a zip archive, not an activity file. Unzip it")


def test_random_bytes_are_refused() -> None:
    assert refusal(bytes(range(256)) * 40, "run.fit").startswith("This is not a GPX or FIT file.")


def test_xml_that_is_not_gpx_is_refused() -> None:
    assert refusal(b"<?xml version='1.0'?><html><body>hi</body></html>").startswith("This is not a GPX file.")


def test_entity_expansion_is_refused_without_expanding() -> None:
    lol = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
    )
    bomb = b'<?xml version="1.0"?><!DOCTYPE gpx [' + lol + b"]><gpx>&lol9;</gpx>"
    assert "declares a DOCTYPE or entities" in refusal(bomb)


def test_an_external_entity_is_refused_without_fetching() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        b"<gpx><trk><name>&secret;</name></trk></gpx>"
    )
    assert "declares a DOCTYPE or entities" in refusal(xxe)


def test_too_many_points_are_refused_before_gpxpy_builds_them() -> None:
    points = b'<trkpt lat="1" lon="1"/>' * (MAX_POINTS + 1)
    message = refusal(b"<gpx><trk><trkseg>" + points + b"</trkseg></trk></gpx>")
    assert message.startswith("This file has 200,001 points, more than the 200,000")


def test_a_million_points_are_refused() -> None:
    points = b'<trkpt lat="1" lon="1"/>' * 1_000_000
    assert "20 MB" in refusal(b"<gpx><trk><trkseg>" + points + b"</trkseg></trk></gpx>")


def test_thousands_of_namespace_declarations_are_refused_before_gpxpy_slows_on_them() -> None:
    message = refusal(b"<gpx>" + b" xmlns" * 3_000_000 + b"</gpx>")
    assert message.startswith("This GPX file has 3,000,000 namespace declarations where GPX files have a few")


def test_a_truncated_fit_is_refused(day1_fit: bytes) -> None:
    assert refusal(day1_fit[: len(day1_fit) // 2], "run.fit").startswith("This FIT file is damaged or cut short")


def test_a_fit_with_a_damaged_byte_is_refused(day1_fit: bytes) -> None:
    damaged = bytearray(day1_fit)
    damaged[len(damaged) // 2] ^= 0xFF
    assert refusal(bytes(damaged), "run.fit").startswith("This FIT file is damaged or cut short")


def test_junk_after_a_fit_file_is_refused(day1_fit: bytes) -> None:
    assert refusal(day1_fit + bytes(range(256)) * 100, "run.fit").startswith("This FIT file is damaged or cut short")


def test_chained_fit_files_are_read_as_one_activity() -> None:
    route = demo_files.unity_route()
    morning = demo_files.run_along(route, 0, 10_000, demo_files.DAY1_START)
    evening = demo_files.run_along(route, 10_000, 5_000, demo_files.DAY1_START + timedelta(hours=8))
    chained = demo_files.activity_fit(morning) + demo_files.activity_fit(evening)
    activity = read_activity(chained, "chained.fit")
    assert abs(activity.distance_m - 15_000) <= 5
    assert activity.started_at == demo_files.DAY1_START
    assert activity.duration == timedelta(hours=8) + (evening[-1].at - evening[0].at)


def test_a_truncated_gpx_is_refused(day1_gpx: bytes) -> None:
    assert refusal(day1_gpx[: len(day1_gpx) // 2]).startswith("This GPX file is damaged and could not be read.")


def test_a_planned_route_is_not_an_activity() -> None:
    route = demo_files.route_gpx([(19.0, 72.8), (19.1, 72.9)], [("Vasai", 19.1, 72.9)], "plan")
    assert "no times" in refusal(route)
    gpx = gpxpy.gpx.GPX()
    rte = gpxpy.gpx.GPXRoute()
    rte.points.extend([gpxpy.gpx.GPXRoutePoint(19.0, 72.8), gpxpy.gpx.GPXRoutePoint(19.1, 72.9)])
    gpx.routes.append(rte)
    assert "a planned route, not a recorded activity" in refusal(gpx.to_xml().encode())


def test_a_file_without_a_track_is_refused() -> None:
    gpx = gpxpy.gpx.GPX()
    gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(19.0, 72.8, name="Start"))
    assert refusal(gpx.to_xml().encode()).startswith("This activity has no GPS track")


def test_an_indoor_fit_without_positions_is_refused() -> None:
    route = demo_files.unity_route()
    samples = demo_files.run_along(route, 0, 2_000, demo_files.DAY1_START)
    fit = demo_files.activity_fit(samples, with_positions=False)
    assert refusal(fit, "treadmill.fit").startswith("This activity has no GPS track (an indoor or treadmill run?)")


def test_a_track_without_times_is_refused() -> None:
    message = refusal(gpx_of([(19.0, 72.8, None), (19.1, 72.8, None)]))
    assert message.startswith("This file has a track but no times")


def test_a_track_that_never_moves_is_refused() -> None:
    at = datetime(2021, 8, 15, 1, tzinfo=UTC)
    message = refusal(gpx_of([(19.0, 72.8, at), (19.0, 72.8, at + timedelta(minutes=5))]))
    assert message.startswith("This activity has no distance")


def test_fit_crc_matches_the_sdk_check_value() -> None:
    # CRC-16/ARC, the FIT SDK's CRC, gives 0xBB3D for "123456789"
    assert fit_crc(b"123456789") == 0xBB3D


async def test_bounded_read_gives_the_same_activity_off_the_event_loop(day1_gpx: bytes) -> None:
    ticks = 0

    async def other_chats() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    ticker = asyncio.create_task(other_chats())
    try:
        activity = await read_activity_bounded(day1_gpx, "run.gpx")
    finally:
        ticker.cancel()
    assert activity == read_activity(day1_gpx, "run.gpx")
    assert isinstance(activity, Activity)
    assert ticks > 0


async def test_bounded_read_refuses_with_the_same_message(day1_fit: bytes) -> None:
    with pytest.raises(ActivityFileError) as caught:
        await read_activity_bounded(day1_fit[:-40], "run.fit")
    assert caught.value.message.startswith("This FIT file is damaged or cut short")


async def test_bounded_read_gives_up_on_a_file_that_takes_too_long(day1_gpx: bytes) -> None:
    with pytest.raises(ActivityFileError) as caught:
        await read_activity_bounded(day1_gpx, "run.gpx", timeout_s=0.01)
    assert caught.value.message.startswith("This file took too long to read (over 0.01 s)")


async def test_bounded_read_gives_up_on_a_file_that_needs_too_much_memory() -> None:
    # a day's file needs ~145 MB of address space in the child; 150k points need well over 180 MB
    small = demo_files.unity_day1_gpx()
    assert (await read_activity_bounded(small, "run.gpx", memory_bytes=180 << 20)).distance_m > 0
    point = b'<trkpt lat="19.1" lon="72.9"><time>2021-08-15T01:00:00Z</time></trkpt>'
    dense = b"<gpx><trk><trkseg>" + point * 150_000 + b"</trkseg></trk></gpx>"
    with pytest.raises(ActivityFileError) as caught:
        await read_activity_bounded(dense, "run.gpx", memory_bytes=180 << 20)
    assert caught.value.message.startswith("This file needs more memory than the bot gives one file")
