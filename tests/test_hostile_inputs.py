"""Hostile and careless input to the newest parts, through the real Application: activity files, the
route, checkpoints. Each test failed before the fix it comes with."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Update
from telegram.constants import MessageLimit

from storage import checkpoints, logs, positions, routes, updates
from tests.conftest import ASHA, MILIND, ORGANISER, RAVI
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


# --- Times ------------------------------------------------------------------------------------------------


async def test_an_activity_in_the_year_9999_is_refused_not_a_crash(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    data = activity([(19.0, 72.8, "9999-12-31T23:00:00Z"), (19.05, 72.8, "9999-12-31T23:59:59Z")])
    reply = await unity.send_file(MILIND, "run.gpx", data)
    assert reply == (
        "This file&#x27;s times reach 31 Dec 9999, a date no watch records, so the bot cannot tell the day of the run."
        " Set the watch&#x27;s clock and send the .gpx or .fit file your watch or app exports for one activity."
    )


async def test_an_activity_that_starts_after_it_was_sent_is_not_counted_for_a_later_day(unity) -> None:
    unity.clock.now = day_of_run(1, 9)  # 15 Aug, 14:30 in Mumbai; the file says day 5
    data = activity([(19.0, 72.8, "2021-08-19T01:00:00Z"), (19.05, 72.8, "2021-08-19T02:00:00Z")])
    reply = await unity.send_file(MILIND, "run.gpx", data)
    assert reply == (
        "This activity starts on 19 Aug 2021 at 06:30 (Asia/Kolkata), after you sent it, so it was not counted."
        " Is the watch&#x27;s clock right? Send the file again once it is, or post the km with /update (runners)"
        " or /log."
    )
    assert await unity.query(updates.of_day, 1, datetime(2021, 8, 19).date()) == []


async def test_a_watch_a_few_minutes_ahead_still_counts_and_its_position_is_not_in_the_future(unity) -> None:
    unity.clock.now = day_of_run(1, 9)  # 09:00 UTC; the watch ends its run at 09:05
    data = activity([(19.0, 72.8, "2021-08-15T08:05:00Z"), (19.05, 72.8, "2021-08-15T09:05:00Z")])
    reply = await unity.send_file(MILIND, "run.gpx", data)
    assert "Posted <b>5.6 km</b> for day 1" in reply
    shown = await unity.query(positions.latest_until, 1, unity.clock())
    assert shown is not None and shown.at == unity.clock()


async def test_a_gpx_time_without_a_time_of_day_is_refused(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    for n, stamp in enumerate(("2021-08-15", "2021-W33-7")):
        data = activity([(19.0, 72.8, stamp), (19.05, 72.8, "2021-08-15T02:00:00Z")])
        reply = await unity.send_file(ASHA, f"walk{n}.gpx", data)
        assert reply.startswith("This GPX file has a time the bot cannot read."), reply
    assert await unity.query(logs.last_of, 1, ASHA.id) is None


async def test_gpx_times_with_an_offset_or_none_are_read_as_the_same_moment(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    naive = activity([(19.0, 72.8, "2021-08-15T01:00:00"), (19.05, 72.8, "2021-08-15T02:00:00")])
    offset = activity([(19.0, 72.8, "2021-08-15T06:30:00+05:30"), (19.05, 72.8, "2021-08-15T07:30:00.5+05:30")])
    assert "(1 h, started 06:30)" in await unity.send_file(ASHA, "a.gpx", naive)
    assert "(1 h, started 06:30)" in await unity.send_file(RAVI, "b.gpx", offset)  # Asha's was this one


# --- Checkpoint names and numbers ---------------------------------------------------------------------


async def test_a_checkpoint_named_again_in_another_case_moves_the_first_one(unity) -> None:
    await unity.say(ORGANISER, "/checkpoint surat | 260")
    reply = await unity.say(ORGANISER, "/checkpoint Surat | 270")
    assert reply == "📍 The Unity Run: checkpoint Surat at km 270. /checkpoints lists them."
    assert [(c.name, c.at_m) for c in await unity.query(checkpoints.of_run, 1)] == [("Surat", 270_000)]


async def test_invisible_and_direction_characters_are_dropped_from_a_checkpoints_name(unity) -> None:
    assert await unity.say(ORGANISER, "/checkpoint \u200b\u2060 | 8") == (
        "Please give the checkpoint a name. Write it like: /checkpoint Surat | 270 (a name and its km along the"
        " route), or /checkpoint remove Surat"
    )
    assert await unity.say(ORGANISER, "/checkpoint \u202eVapi\u202c | 170") == (
        "📍 The Unity Run: checkpoint Vapi at km 170. /checkpoints lists them."
    )
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # an emoji sequence keeps its joiners
    assert family in await unity.say(ORGANISER, f"/checkpoint {family} Home | 300")
    assert [c.name for c in await unity.query(checkpoints.of_run, 1)] == ["Vapi", f"{family} Home"]


async def test_a_run_keeps_at_most_100_checkpoints(unity) -> None:
    for n in range(100):
        await unity.say(ORGANISER, f"/checkpoint Stop {n} | {n + 1}")
    assert await unity.say(ORGANISER, "/checkpoint One more | 300") == (
        "A run has at most 100 checkpoints, and this one has them all. Remove one first: /checkpoint remove Name."
    )
    assert (
        await unity.say(ORGANISER, "/checkpoint stop 7 | 150")
        == "📍 The Unity Run: checkpoint stop 7 at km 150. /checkpoints lists them."
    )
    assert len(await unity.query(checkpoints.of_run, 1)) == 100


async def test_a_route_with_a_thousand_waypoints_keeps_100_and_answers_in_one_short_message(unity) -> None:
    marks = [(f"W{i}", 19.0 + i / 10_000, 72.8) for i in range(1_000)]
    reply = await unity.send_file(ORGANISER, "route.gpx", route([(19.0, 72.8), (19.1, 72.8)], marks), caption="/route")
    assert len(reply) < 1_000
    assert "100 checkpoints from its waypoints: W0 (km 0), W1 (km 0), " in reply
    assert "W19 (km 0.2) and 80 more.\n" in reply
    assert (
        "900 more named waypoints left out: a name again (in any case), a name of invisible characters, or past the"
        " 100 checkpoints a run keeps." in reply
    )
    assert len(await unity.query(checkpoints.of_run, 1)) == 100


async def test_a_routes_waypoint_names_are_reported_as_stored_cut_and_once_in_any_case(unity) -> None:
    marks = [("x" * 5_000, 19.01, 72.8), ("Vasai", 19.02, 72.8), ("VASAI", 19.03, 72.8), ("\u200b", 19.04, 72.8)]
    reply = await unity.send_file(ORGANISER, "route.gpx", route([(19.0, 72.8), (19.1, 72.8)], marks), caption="/route")
    assert f"2 checkpoints from its waypoints: {'x' * 64} (km 1.1), Vasai (km 2.2).\n" in reply
    assert "2 more named waypoints left out" in reply
    assert "x" * 65 not in reply
    assert [c.name for c in await unity.query(checkpoints.of_run, 1)] == ["x" * 64, "Vasai"]


# --- The same activity again, and someone else's ---------------------------------------------------------


async def test_the_same_activity_uploaded_again_as_a_new_file_counts_once(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    data = activity([(19.0, 72.8, MORNING[0]), (19.05, 72.8, MORNING[1])])
    assert "Posted <b>5.6 km</b>" in await unity.send_file(MILIND, "run.gpx", data, file_unique_id="upload-1")
    again = await unity.send_file(MILIND, "Morning run (1).gpx", data, file_unique_id="upload-2")
    assert again == (
        "You sent this activity already (the one that started on 15 Aug at 06:30), as another file: it counts once."
    )
    assert [e.update.metres for e in await unity.query(updates.of_day, 1, datetime(2021, 8, 15).date())] == [5_560]
    await unity.say(MILIND, "/undo")  # taken back: the file may come again
    assert "Posted <b>5.6 km</b>" in await unity.send_file(MILIND, "run.gpx", data, file_unique_id="upload-3")


def forwarded(payload: dict, origin: dict) -> dict:
    payload["message"]["forward_origin"] = {"date": payload["message"]["date"] - 600, **origin}
    return payload


async def test_an_activity_file_forwarded_from_someone_else_is_not_counted_for_the_forwarder(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    data = activity([(19.0, 72.8, MORNING[0]), (19.05, 72.8, MORNING[1])])
    unity.api.files["milinds"] = data
    payload = unity.updates.document(ASHA, "run.gpx", "milinds", file_size=len(data))
    calls = await unity.send(forwarded(payload, {"type": "user", "sender_user": MILIND.as_user()}))
    assert [c.text for c in calls if c.method == "sendMessage"] == [
        "This file was forwarded from someone else: an activity file counts for whoever sends it, so send the one"
        " your own watch or app exported."
    ]
    assert await unity.query(logs.last_of, 1, ASHA.id) is None
    # Milind's own file is still his to post (the forward did not use it up)
    assert "Posted <b>5.6 km</b>" in await unity.send_file(MILIND, "run.gpx", data, file_id="milinds")


async def test_a_runner_may_forward_their_own_file_from_saved_messages(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    data = activity([(19.0, 72.8, MORNING[0]), (19.05, 72.8, MORNING[1])])
    unity.api.files["saved"] = data
    payload = unity.updates.document(MILIND, "run.gpx", "saved", file_size=len(data))
    calls = await unity.send(forwarded(payload, {"type": "user", "sender_user": MILIND.as_user()}))
    assert "Posted <b>5.6 km</b>" in calls[-1].text
    hidden = forwarded(unity.updates.document(ASHA, "b.gpx", "saved", file_size=len(data)),
                       {"type": "hidden_user", "sender_user_name": "Someone"})  # fmt: skip
    assert "forwarded from someone else" in (await unity.send(hidden))[-1].text


# --- Many files at once from one user --------------------------------------------------------------------


async def test_many_files_from_one_user_hold_up_no_other_chat(unity, monkeypatch) -> None:
    """One user's files are read one after another (the child reader is one at a time, the user's updates in
    order); while the first is still being read, another chat's /progress is answered."""
    from bot.services import routes as routes_service

    unity.clock.now = day_of_run(1, 9)
    reading = asyncio.Event()
    release = asyncio.Event()
    real = routes_service.read_activity_bounded

    async def held(data: bytes, filename: str) -> object:
        reading.set()
        await release.wait()
        return await real(data, filename)

    monkeypatch.setattr(routes_service, "read_activity_bounded", held)
    processor = unity.app.update_processor
    files = []
    for n in range(5):  # five walks of the morning, an hour apart
        data = activity([(19.0, 72.8, f"2021-08-15T0{n}:00:00Z"), (19.02, 72.8, f"2021-08-15T0{n}:30:00Z")])
        unity.api.files[f"walk-{n}"] = data
        payload = unity.updates.document(ASHA, f"walk{n}.gpx", f"walk-{n}", file_size=len(data))
        update = Update.de_json(payload, unity.app.bot)
        files.append(processor.submit(update, unity.app.process_update(update)))
    await reading.wait()
    progress = Update.de_json(unity.updates.text(RAVI, "/progress"), unity.app.bot)
    await processor.submit(progress, unity.app.process_update(progress))
    assert unity.api.sent(RAVI.id)[-1].text.startswith("<b>The Unity Run</b>: Mumbai → Statue of Unity")
    assert not any(task.done() for task in files)
    release.set()
    await asyncio.gather(*files)
    replies = [c.text for c in unity.api.sent(ASHA.id)]
    assert len(replies) == 5 and all(r.startswith("✅ Logged <b>2.2 km</b>") for r in replies), replies


async def test_a_route_of_one_point_is_told_so_not_that_it_has_no_track(unity) -> None:
    reply = await unity.send_file(
        ORGANISER, "route.gpx", route([(19.0, 72.8)], [("Vasai", 19.0, 72.8)]), caption="/route"
    )
    assert reply == (
        "This GPX file&#x27;s route is a single point: a route needs two or more. Draw the route in a route planner"
        " and export it as GPX."
    )
    empty = await unity.send_file(ORGANISER, "empty.gpx", route([], [("Vasai", 19.0, 72.8)]), caption="/route")
    assert empty.startswith("This GPX file has no route or track in it, only 1 waypoint. Draw the route")


# --- /position -------------------------------------------------------------------------------------------


async def test_position_with_a_huge_delay_says_the_limit_and_with_nothing_says_what_to_write(unity) -> None:
    usage = "/position live, /position delay 30 (minutes), /position coarse or /position hide"
    assert await unity.say(ORGANISER, "/position delay 99999") == (
        f"A delay of at most 24 hours, please. Write it like: {usage}"
    )
    assert await unity.say(ORGANISER, "/position") == (
        f"What should the public see of the runner&#x27;s position? Write one of: {usage}"
    )
    assert await unity.say(ORGANISER, "/position coarse please") == (
        f"I could not read “coarse please” as a position setting. Write one of: {usage}"
    )
    assert (await unity.say(ORGANISER, "/position DELAY 30 MINUTES")).startswith(
        "📍 The Unity Run: The public sees the runner&#x27;s position 30 min late."
    )


async def test_an_update_passing_a_hundred_long_named_checkpoints_sends_one_short_message(unity) -> None:
    for n in range(100):
        await unity.say(ORGANISER, f"/checkpoint {'N' * 60} {n:02d} | {n * 0.5 + 0.5}")
    await unity.say(ASHA, "/follow")
    unity.clock.now = day_of_run(1, 12)
    await unity.say(MILIND, "/update 51")
    news = [c.text for c in await unity.deliver() if "has passed" in c.text]
    assert len(news) == 1 and len(news[0]) < MessageLimit.MAX_TEXT_LENGTH
    assert news[0].startswith(f"📍 The Unity Run has passed 95 checkpoints, then <b>{'N' * 60} 95</b> (km 48), ")
    assert f"and <b>{'N' * 60} 99</b> (km 50) on day 1.\n" in news[0]


async def test_removing_an_unknown_checkpoint_among_a_hundred_long_names_is_answered_in_one_message(unity) -> None:
    for n in range(100):
        await unity.say(ORGANISER, f"/checkpoint {'N' * 60} {n:02d} | {n + 1}")
    calls = await unity.send(unity.updates.text(ORGANISER, "/checkpoint remove Nowhere"))
    [reply] = [c.text for c in calls if c.method == "sendMessage"]
    assert len(reply) < MessageLimit.MAX_TEXT_LENGTH
    assert reply.startswith(f"There is no checkpoint called “Nowhere”. The checkpoints: {'N' * 60} 00, ")
    assert reply.endswith(f"{'N' * 60} 19 and 80 more (/checkpoints lists them).")


async def test_undoing_an_activity_files_update_takes_its_position_off_the_map_too(unity) -> None:
    unity.clock.now = day_of_run(1, 7)
    await unity.send(unity.updates.location(MILIND, 19.0176, 72.8562))  # shared from the phone at 07:00 UTC
    unity.clock.now = day_of_run(1, 9)
    wrong = activity([(28.6, 77.2, "2021-08-15T07:30:00Z"), (28.65, 77.2, "2021-08-15T08:30:00Z")])  # in Delhi
    assert "Posted <b>5.6 km</b>" in await unity.send_file(MILIND, "someone_elses.gpx", wrong)
    assert (await unity.query(positions.latest_until, 1, unity.clock())).latitude == 28.65
    await unity.say(MILIND, "/undo")
    shown = await unity.query(positions.latest_until, 1, unity.clock())
    assert (shown.latitude, shown.longitude) == (19.0176, 72.8562)
    assert [p[:2] for p in await unity.query(positions.track, 1, unity.clock(), 100)] == [(19.0176, 72.8562)]


async def test_a_file_name_with_a_nul_or_of_any_length_is_read_all_the_same(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    data = activity([(19.0, 72.8, MORNING[0]), (19.05, 72.8, MORNING[1])])
    assert "✅ Logged <b>5.6 km</b>" in await unity.send_file(ASHA, "walk\x00.gpx", data)
    other = activity([(19.0, 72.8, "2021-08-15T03:00:00Z"), (19.05, 72.8, "2021-08-15T04:00:00Z")])
    assert "✅ Logged <b>5.6 km</b>" in await unity.send_file(ASHA, "w" * 100_000 + ".gpx", other)
    assert "TCX files are not read yet" in await unity.send_file(ASHA, "\x00" + "w" * 1_000 + ".TCX", b"TCX?")


async def test_a_file_after_km_posted_by_hand_that_day_warns_of_a_double_count(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    await unity.say(MILIND, "/update 5.6 morning run")  # from the phone, then the watch's file of the same run
    reply = await unity.send_file(MILIND, "run.gpx", activity([(19.0, 72.8, MORNING[0]), (19.05, 72.8, MORNING[1])]))
    assert reply.startswith("✅ Posted <b>5.6 km</b> for day 1 from your activity file")
    assert (
        "⚠️ You also posted 5.6 km by hand for day 1. If this file is the same run, /undo removes the file's km,"
        " so it is not counted twice.\nYour total: 11.2 km." in reply
    )
    evening = activity([(19.0, 72.8, "2021-08-15T05:00:00Z"), (19.05, 72.8, "2021-08-15T06:00:00Z")])
    assert "by hand" in await unity.send_file(MILIND, "evening.gpx", evening)  # still only the hand-posted 5.6
    unity.clock.now = day_of_run(2, 9)
    day2 = activity([(19.1, 72.8, "2021-08-16T01:00:00Z"), (19.15, 72.8, "2021-08-16T02:00:00Z")])
    assert "by hand" not in await unity.send_file(MILIND, "day2.gpx", day2)


async def test_case_twins_stored_before_names_were_compared_without_case_are_moved_by_their_exact_name(unity) -> None:
    def twins(conn):
        checkpoints.add(conn, 1, "surat", 260_000)
        checkpoints.add(conn, 1, "Surat", 265_000)

    await unity.db.transaction(twins)
    assert (
        await unity.say(ORGANISER, "/checkpoint Surat | 270")
        == "📍 The Unity Run: checkpoint Surat at km 270. /checkpoints lists them."
    )
    assert [(c.name, c.at_m) for c in await unity.query(checkpoints.of_run, 1)] == [
        ("surat", 260_000),
        ("Surat", 270_000),
    ]


async def test_zoneless_times_that_would_be_in_the_future_as_utc_are_read_as_the_runs_local_time(unity) -> None:
    unity.clock.now = datetime(2021, 8, 15, 3, 30, tzinfo=UTC)  # 09:00 in Mumbai, just after a 06:30-07:30 run
    local = activity([(19.0, 72.8, "2021-08-15T06:30:00"), (19.05, 72.8, "2021-08-15T07:30:00")])  # IST, no zone
    reply = await unity.send_file(MILIND, "phone_app.gpx", local)
    assert reply.startswith("✅ Posted <b>5.6 km</b> for day 1 from your activity file (1 h, started 06:30)")
    shown = await unity.query(positions.latest_until, 1, unity.clock())
    assert shown is not None and shown.at == datetime(2021, 8, 15, 2, 0, tzinfo=UTC)  # 07:30 IST
    zoned = activity([(19.0, 72.8, "2021-08-15T06:30:00Z"), (19.05, 72.8, "2021-08-15T07:30:00Z")])
    assert "after you sent it" in await unity.send_file(ASHA, "watch.gpx", zoned)  # a zone given is believed


async def test_a_supporters_file_after_a_log_by_hand_that_day_warns_of_a_double_count(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    await unity.say(ASHA, "/log 5.6 morning walk")
    reply = await unity.send_file(ASHA, "walk.gpx", activity([(19.0, 72.8, MORNING[0]), (19.05, 72.8, MORNING[1])]))
    assert reply.startswith(
        "✅ Logged <b>5.6 km</b> for day 1 from your activity file (1 h, started 06:30) · The Unity Run\n"
        "⚠️ You also logged 5.6 km"
        " with /log for day 1. If this file is the same walk or run, /undo removes the file's km, so it is not"
        " counted twice.\nYou have logged 11.2 km."
    ), reply
    await unity.say(ASHA, "/undo")
    assert (await unity.query(logs.last_of, 1, ASHA.id)).metres == 5_600
