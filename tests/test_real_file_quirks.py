"""Each quirk of real watch files (../shared/realfiles), in a small file made here: the figures a runner sees.

The real files show them: an SRM ride whose first fixes are at 0,0; a Movescount export that declares a
namespace on every point; Wahoo's auto-pauses, with the rider moved on between two records; an ecoach track in
three segments hours apart; Garmin's own total a little above its track's (smart recording); a Suunto session
without a total and a last lap never written; a last record with a time and no position.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.files.activity_files import Activity, ActivityFileError, read_activity
from bot.files.route_files import read_route
from tests.activity_makers import (
    GPX_HEAD,
    START,
    Point,
    Total,
    end,
    fit,
    gpx,
    north,
    run,
    untimed,
)


def no_device_distance(points: list[Point]) -> list[Point]:
    """The points without the running distance a watch writes: the track alone makes the figure."""
    return [Point(p.lat, p.lon, p.at) for p in points]


def span(points: list[Point]) -> timedelta:
    assert points[0].at is not None
    return end(points) - points[0].at


# --- Points written before the GPS had a fix -------------------------------------------------------------


def test_fit_records_at_0_0_before_the_fix_are_left_out_and_the_device_figure_stands() -> None:
    # as the SRM PC8 wrote: records without a position, then at 0,0, then the ride
    before = [Point(None, None, START + timedelta(seconds=s)) for s in range(3)]
    at_zero = [Point(0.0, 0.0, START + timedelta(seconds=s)) for s in range(3, 6)]
    ride = run(5_000, START + timedelta(seconds=6))
    data = fit(before + at_zero + ride, sessions=[Total(START, 6 + span(ride).total_seconds(), 5_000)])
    activity = read_activity(data, "srm.fit")
    assert (activity.distance_m, activity.distance_source) == (5_000, "device")
    assert activity.track_m == pytest.approx(5_000, abs=1)  # not ~2,000 km from the Gulf of Guinea
    assert activity.started_at == START
    assert activity.duration == timedelta(seconds=6) + span(ride)
    assert activity.points == len(ride)
    assert activity.notes == ("3 points written before the GPS had a fix (at 0,0 or invalid) left out",)


def test_gpx_points_at_0_0_are_left_out_but_their_times_count() -> None:
    at_zero = [Point(0, 0, START + timedelta(seconds=s)) for s in range(2)]
    walk = run(5_000, START + timedelta(seconds=2))
    activity = read_activity(gpx([at_zero + walk]), "run.gpx")
    assert activity.distance_m == 5_000
    assert activity.started_at == START
    assert activity.duration == timedelta(seconds=2) + span(walk)


# --- A namespace declared on every point -------------------------------------------------------------------


def test_a_namespace_declared_on_every_point_is_read() -> None:
    points = run(5_000)  # 401 points, each declaring xmlns:gpxtpx, as Movescount exports
    activity = read_activity(gpx([points], declare_on_points=True), "movescount.gpx")
    assert (activity.distance_m, activity.started_at, activity.duration) == (5_000, START, span(points))


def test_a_route_with_a_namespace_on_every_point_is_read() -> None:
    data = gpx([untimed(run(5_000))], declare_on_points=True)
    assert read_route(data).route.length_m == 5_000


def test_namespaces_on_every_point_do_not_let_a_doctype_or_an_entity_through() -> None:
    data = gpx([run(2_000)], declare_on_points=True)
    xxe = data.replace(b"<gpx ", b'<!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx ', 1).replace(
        b"<ele>12.0</ele>", b"<ele>&x;</ele>", 1
    )
    with pytest.raises(ActivityFileError) as caught:
        read_activity(xxe, "run.gpx")
    assert "declares a DOCTYPE or entities" in caught.value.message


def test_many_different_namespaces_are_still_refused() -> None:
    points = "".join(
        f'<trkpt lat="{lat}" lon="{lon}" xmlns:n{i}="urn:x:{i}"><time>2021-08-15T00:{i % 60:02d}:00Z</time></trkpt>'
        for i, (lat, lon) in enumerate(north(m * 10) for m in range(40))
    )
    data = (GPX_HEAD + "<trk><trkseg>" + points + "</trkseg></trk></gpx>").encode()
    with pytest.raises(ActivityFileError) as caught:
        read_activity(data, "run.gpx")
    assert "namespace declarations where GPX files have a few" in caught.value.message


def test_xmlns_that_declare_nothing_are_still_refused_before_gpxpy_slows_on_them() -> None:
    data = gpx([run(1_000)]).replace(b"<trk>", b"<desc>" + b" xmlns" * 40 + b"</desc><trk>", 1)
    with pytest.raises(ActivityFileError) as caught:
        read_activity(data, "run.gpx")
    assert "namespace declarations where GPX files have a few" in caught.value.message


# --- Pauses ------------------------------------------------------------------------------------------------


def test_no_straight_line_across_a_fit_timer_pause() -> None:
    # stopped the watch for 5 minutes and went on 750 m meanwhile, at the running pace: only the device's own
    # pause tells it apart from a lost signal
    first = run(3_000)
    resumed = end(first) + timedelta(minutes=5)
    second = run(2_000, resumed, from_m=3_750)
    points = no_device_distance(first + second)
    activity = read_activity(fit(points, pauses=[(end(first), resumed)]), "paused.fit")
    assert (activity.distance_m, activity.distance_source) == (5_000, "track")
    assert activity.started_at == START
    assert activity.duration == span(points)  # elapsed: the pause counts in the time
    assert activity.notes == ("no straight line across 1 pause (0.8 km)",)


def test_no_straight_line_across_a_gpx_gap_in_time_with_a_jump_in_space() -> None:
    # as Wahoo's auto-pause shows: 20 minutes without a point, and 1 km further on
    first = run(3_000)
    second = run(2_000, end(first) + timedelta(minutes=20), from_m=4_000)
    activity = read_activity(gpx([first + second]), "paused.gpx")
    assert activity.distance_m == 5_000
    assert activity.duration == span(first + second)


def test_a_gap_crossed_at_the_running_pace_is_a_lost_signal_and_counts() -> None:
    first = run(3_000)
    second = run(2_000, end(first) + timedelta(minutes=3), from_m=3_450)  # 450 m in 3 min: 2.5 m/s, the pace
    activity = read_activity(gpx([first + second]), "tunnel.gpx")
    assert activity.distance_m == 5_450


# --- Gaps between track segments ---------------------------------------------------------------------------


def test_no_straight_line_between_two_track_segments() -> None:
    # as ecoach wrote: a segment, an hour later a new one 7 km away
    morning = run(3_000)
    later = run(2_000, end(morning) + timedelta(hours=1), from_m=10_000)
    activity = read_activity(gpx([morning, later]), "segments.gpx")
    assert (activity.distance_m, activity.started_at, activity.duration) == (5_000, START, span(morning + later))
    assert activity.notes == ("no straight line across 1 gap between track segments (7 km)",)


def test_no_straight_line_between_two_tracks_either() -> None:
    morning = run(3_000)
    later = run(2_000, end(morning) + timedelta(minutes=10), from_m=3_100)
    assert read_activity(gpx([morning], [later]), "two.gpx").distance_m == 5_000


# --- The device's own distance -----------------------------------------------------------------------------


def test_the_device_figure_is_preferred_and_both_are_kept() -> None:
    points = run(5_000)
    data = fit(points, sessions=[Total(START, span(points).total_seconds(), 5_200)])
    activity = read_activity(data, "garmin.fit")
    assert (activity.distance_m, activity.device_m, activity.track_m) == (5_200, 5_200, 5_000)
    assert activity.distance_source == "device"
    assert activity.figures_differ  # 4%: the reply tells both
    assert Activity.from_dict(activity.to_dict()) == activity  # it crosses the bounded reader's process boundary


def test_a_device_figure_within_3_percent_of_the_track_is_not_remarked() -> None:
    points = run(5_000)
    activity = read_activity(fit(points, sessions=[Total(START, span(points).total_seconds(), 5_100)]), "a.fit")
    assert (activity.distance_m, activity.figures_differ) == (5_100, False)


def test_a_device_figure_its_long_track_belies_gives_way_to_the_track() -> None:
    points = run(5_000)
    activity = read_activity(fit(points, sessions=[Total(START, span(points).total_seconds(), 15_000)]), "a.fit")
    assert (activity.distance_m, activity.distance_source, activity.device_m) == (5_000, "track", 15_000)
    assert activity.notes == ("the device's own 15 km is far from the track's 5 km, so the track's km count",)


def test_without_a_session_the_laps_make_the_device_figure() -> None:
    points = no_device_distance(run(5_000))
    half = points[len(points) // 2].at
    assert half is not None
    laps = [
        Total(START, (half - START).total_seconds(), 2_600),
        Total(half, (end(points) - half).total_seconds(), 2_550),
    ]
    activity = read_activity(fit(points, laps=laps), "laps.fit")
    assert (activity.distance_m, activity.distance_source) == (5_150, "device")


def test_a_session_without_a_total_leaves_the_records_running_distance() -> None:
    # as the Suunto Ambit3 wrote: a session with no total_distance, and a last lap never written
    points = [Point(p.lat, p.lon, p.at, (p.distance_m or 0) * 1.02) for p in run(5_000)]
    laps = [Total(START, 600, 1_500)]
    activity = read_activity(fit(points, sessions=[Total(START, 600, None)], laps=laps), "ambit.fit")
    assert (activity.distance_m, activity.distance_source) == (5_100, "device")
    assert activity.duration == span(points)  # the records run past the session's elapsed time


def test_the_session_start_and_elapsed_time_are_the_devices() -> None:
    points = run(5_000, START + timedelta(seconds=1))  # the first record a second after the session's start
    elapsed = span(points).total_seconds() + 1 + 120  # the session ended two minutes after the last record
    activity = read_activity(fit(points, sessions=[Total(START, elapsed, 5_000)]), "edge.fit")
    assert activity.started_at == START
    assert activity.duration == timedelta(seconds=elapsed)


# --- An untimed course beside the recorded track -----------------------------------------------------------


def test_an_untimed_course_beside_the_timed_track_is_left_out() -> None:
    course = untimed(run(20_000, from_m=-1_000))  # the planned 20 km the watch followed
    recorded = run(5_000)
    activity = read_activity(gpx([course], [recorded]), "with-course.gpx")
    assert (activity.distance_m, activity.started_at, activity.duration) == (5_000, START, span(recorded))
    assert activity.points == len(recorded)
    assert activity.notes[0].startswith(f"{len(course):,} points without a time")


# --- A last record with a time and no position -------------------------------------------------------------


def test_a_last_record_with_a_time_and_no_position_counts_for_the_duration() -> None:
    points = run(5_000)
    last = Point(None, None, end(points) + timedelta(seconds=60), 5_010)
    activity = read_activity(fit([*points, last]), "last.fit")
    assert activity.duration == span(points) + timedelta(seconds=60)
    assert (activity.distance_m, activity.distance_source) == (5_010, "device")  # the records' running distance


# --- A point far off the track ----------------------------------------------------------------------------


def test_a_point_far_off_the_track_is_left_out() -> None:
    points = run(5_000)
    middle = len(points) // 2
    off = points[middle]
    assert off.lat is not None and off.lon is not None
    points[middle] = Point(off.lat, off.lon + 0.5, off.at)  # 52 km east, for one point
    activity = read_activity(gpx([points]), "glitch.gpx")
    assert (activity.distance_m, activity.started_at, activity.duration) == (5_000, START, span(points))
    assert activity.notes == ("1 point far off the rest of the track left out",)


def test_a_first_fix_far_off_the_track_is_left_out() -> None:
    points = run(5_000)
    first = points[0]
    assert first.lat is not None and first.lon is not None
    points[0] = Point(first.lat - 1.0, first.lon, first.at)  # 111 km south, a second before the run
    activity = read_activity(gpx([points]), "glitch.gpx")
    assert activity.distance_m == 4_988  # the run's first 12.5 m went with the fix
    assert activity.started_at == START
