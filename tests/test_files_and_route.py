"""Issue 13 through the real Application: activity files, the planned route and its checkpoints."""

from __future__ import annotations

import functools
from datetime import UTC, datetime

from bot.demo.files import (
    activity_fit,
    activity_gpx,
    run_along,
    unity_day1_fit,
    unity_day1_gpx,
    unity_route,
    unity_route_gpx,
)
from bot.demo.simulator import DOWNLOAD
from storage import checkpoints, logs, outbox, updates
from tests.activity_makers import START, Total, end, fit, run
from tests.conftest import ASHA, MILIND, ORGANISER, RAVI


@functools.cache
def route_file() -> bytes:
    return unity_route_gpx()


@functools.cache
def day1_gpx() -> bytes:
    return unity_day1_gpx()


async def with_route(sim):
    return await sim.send_file(ORGANISER, "unity.gpx", route_file(), caption="/route")


def day_of_run(n: int, hour_utc: int = 2) -> datetime:
    return datetime(2021, 8, 14 + n, hour_utc, 0, tzinfo=UTC)


async def test_an_organiser_sends_the_route_and_its_towns_become_checkpoints(unity) -> None:
    reply = await with_route(unity)
    assert (
        "The route of The Unity Run is 418.3 km; the run's distance stays 416 km: /setdistance 418.3 to use it."
        in reply
    )
    assert "11 checkpoints from its waypoints: Vasai (km " in reply
    stored = await unity.query(checkpoints.of_run, 1)
    assert [c.name for c in stored][:3] == ["Vasai", "Virar", "Palghar"]
    assert stored[-1].name == "Kevadia"


async def test_only_an_organiser_sets_the_route(unity) -> None:
    reply = await unity.send_file(ASHA, "unity.gpx", route_file(), caption="/route")
    assert reply == "Sorry, only the run&#x27;s organisers can do that."
    assert await unity.query(checkpoints.of_run, 1) == []


async def test_a_runners_activity_file_posts_the_km_of_its_day(unity) -> None:
    await with_route(unity)
    unity.clock.now = day_of_run(1, 9)
    reply = await unity.send_file(MILIND, "Morning_Run.gpx", day1_gpx(), caption="Flyovers done")
    assert "Posted <b>24 km</b> for day 1 from your activity file (2 h 36 min, started 06:00)" in reply
    assert "🗺 Ended near km 24, 29.5 km before Vasai." in reply
    stored = await unity.query(updates.of_day, 1, datetime(2021, 8, 15).date())
    assert [(e.update.metres, e.update.note) for e in stored] == [(24_000, "Flyovers done")]


async def test_a_fit_file_gives_the_same_km_as_the_gpx_file(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    reply = await unity.send_file(MILIND, "activity.fit", unity_day1_fit())
    assert "Posted <b>24 km</b> for day 1 from your activity file" in reply
    assert "Your watch says" not in reply  # its own 24 km, and its track's


def watch_file(device_m: int) -> bytes:
    """A 5 km run at 06:00 in Mumbai on day 1, whose watch says `device_m`."""
    points = run(5_000)
    return fit(points, sessions=[Total(START, (end(points) - START).total_seconds(), device_m)])


async def test_the_watchs_own_km_are_posted_and_the_tracks_told_when_they_differ(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    reply = await unity.send_file(MILIND, "watch.fit", watch_file(5_250))
    assert "Posted <b>5.3 km</b> for day 1 from your activity file (33 min, started 06:00)" in reply
    assert "\n⌚ Your watch says 5.3 km (the track's points add up to 5 km).\n" in reply
    stored = await unity.query(updates.of_day, 1, datetime(2021, 8, 15).date())
    assert [e.update.metres for e in stored] == [5_250]


async def test_a_supporters_log_tells_both_figures_too(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    reply = await unity.send_file(ASHA, "walk.fit", watch_file(4_800))
    assert "Logged <b>4.8 km</b> for day 1 from your activity file (33 min, started 06:00)" in reply
    assert "\n⌚ Your watch says 4.8 km (the track's points add up to 5 km).\n" in reply
    assert (await unity.query(logs.last_of, 1, ASHA.id)).metres == 4_800


async def test_a_watch_total_its_track_belies_gives_way_to_the_track(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    reply = await unity.send_file(MILIND, "watch.fit", watch_file(50_000))
    assert "Posted <b>5 km</b> for day 1" in reply
    assert "⌚ Your watch's own figure, 50 km, is far from its track's 5 km, so the track's km count." in reply


async def test_the_same_file_sent_twice_counts_once(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    await unity.send_file(MILIND, "run.gpx", day1_gpx(), file_id="a", file_unique_id="same")
    calls = await unity.send(
        unity.updates.document(MILIND, "run.gpx", "b", file_unique_id="same", file_size=len(day1_gpx()))
    )
    assert "counted already: the same file counts once" in calls[-1].text
    assert all(c.method != DOWNLOAD for c in calls)  # refused before downloading
    stored = await unity.query(updates.of_day, 1, datetime(2021, 8, 15).date())
    assert len(stored) == 1


async def test_a_file_over_20_mb_is_refused_from_its_size_without_a_download(unity) -> None:
    calls = await unity.send(unity.updates.document(MILIND, "huge.gpx", "big", file_size=25_000_000))
    assert "over 20 MB" in calls[-1].text
    assert [c.method for c in calls] == ["sendMessage"]


async def test_an_archive_named_gpx_gets_a_clear_reply(unity) -> None:
    reply = await unity.send_file(MILIND, "run.gpx", b"PK\x03\x04" + b"\x00" * 100)
    assert "This is a zip archive, not an activity file. Unzip it" in reply


async def test_a_file_for_a_day_outside_the_run_changes_nothing(unity) -> None:
    route = unity_route()
    early = run_along(route, 0, 10_000, datetime(2021, 8, 10, 1, 0, tzinfo=UTC), every_s=10)
    reply = await unity.send_file(MILIND, "old.gpx", activity_gpx(early))
    assert "This activity started on 10 Aug 2021, outside The Unity Run (15 Aug to 22 Aug 2021)" in reply
    assert await unity.query(updates.of_day, 1, datetime(2021, 8, 10).date()) == []


async def test_an_implausible_distance_changes_nothing(unity) -> None:
    route = unity_route()
    car = run_along(route, 0, 60_000, day_of_run(1), pace_s_per_km=60, every_s=10)  # 60 km/h
    reply = await unity.send_file(MILIND, "drive.fit", activity_fit(car))
    assert "This activity says 60 km in 1 h: faster than anyone runs" in reply
    assert await unity.query(updates.of_day, 1, datetime(2021, 8, 15).date()) == []


async def test_a_track_without_gps_gets_a_clear_reply(unity) -> None:
    samples = run_along(unity_route(), 0, 5_000, day_of_run(1), every_s=10)
    reply = await unity.send_file(MILIND, "treadmill.fit", activity_fit(samples, with_positions=False))
    assert "no GPS track" in reply


async def test_a_supporters_file_logs_their_own_km(unity) -> None:
    route = unity_route()
    walk = run_along(route, 1_000, 5_000, day_of_run(1), pace_s_per_km=600, every_s=5)
    unity.clock.now = day_of_run(1, 9)  # sent after the walk (a file from the future is refused)
    reply = await unity.send_file(ASHA, "walk.gpx", activity_gpx(walk))
    assert "Logged <b>5 km</b> for day 1 from your activity file (50 min, started 07:30)" in reply
    assert (await unity.query(logs.last_of, 1, ASHA.id)).metres == 5_000


async def test_checkpoint_commands(unity) -> None:
    assert "checkpoint Surat at km 270" in await unity.say(ORGANISER, "/checkpoint Surat | 270")
    assert "checkpoint Vapi at km 170" in await unity.say(ORGANISER, "/checkpoint Vapi | 170")
    listed = await unity.say(RAVI, "/checkpoints")
    assert listed.index("Vapi") < listed.index("Surat")
    assert "km 170 · <b>Vapi</b>: 170 km to go, no pace yet" in listed
    assert "Removed the checkpoint Surat (km 270)" in await unity.say(ORGANISER, "/checkpoint remove surat")
    assert "no checkpoint called “Surat”" in await unity.say(ORGANISER, "/checkpoint remove Surat")
    assert "past its end" in await unity.say(ORGANISER, "/checkpoint Moon | 500")
    assert "only the run&#x27;s organisers" in await unity.say(MILIND, "/checkpoint X | 5")


async def test_a_checkpoint_passed_is_announced_once_and_given_back_by_undo(unity) -> None:
    await unity.say(RAVI, "/follow")
    await unity.say(ORGANISER, "/checkpoint Vasai Fort | 20")
    await unity.deliver()
    await unity.say(MILIND, "/update 24")
    news = [c.text for c in await unity.deliver() if c.chat_id == RAVI.id]
    assert "📍 The Unity Run has passed <b>Vasai Fort</b> (km 20) on day 1." in "\n".join(news)
    await unity.say(MILIND, "/undo")
    assert (await unity.query(checkpoints.of_run, 1))[0].passed_on is None
    await unity.say(MILIND, "/update 25")
    again = [c.text for c in await unity.deliver() if c.chat_id == RAVI.id]
    assert sum("has passed <b>Vasai Fort</b>" in t for t in again) == 1
    await unity.say(MILIND, "/update 5")
    later = [c.text for c in await unity.deliver() if c.chat_id == RAVI.id]
    assert not any("Vasai Fort" in t for t in later)


async def test_an_undo_before_sending_takes_the_checkpoint_news_back(unity) -> None:
    await unity.say(RAVI, "/follow")
    await unity.say(ORGANISER, "/checkpoint Vasai Fort | 20")
    await unity.say(MILIND, "/update 24")
    await unity.say(MILIND, "/undo")
    assert not any("Vasai Fort" in f.facts for f in await unity.query(outbox.facts_of_chat, RAVI.id))


async def test_progress_names_the_place_and_the_next_checkpoint(unity) -> None:
    await with_route(unity)
    unity.clock.now = day_of_run(1, 9)
    await unity.send_file(MILIND, "day1.gpx", day1_gpx())
    progress = await unity.say(RAVI, "/progress")
    assert "🗺 On the route: near km 24, " in progress
    assert "📍 Next checkpoint: Vasai, 29.5 km to go, ETA day 3 (17 Aug)" in progress  # 53.5 km at 24 km a day


async def test_a_live_location_off_the_route_is_named_so(unity) -> None:
    await with_route(unity)
    await unity.say(MILIND, "/update 5")
    await unity.send(unity.updates.location(MILIND, 18.99, 72.60))  # in the sea, west of Mumbai
    progress = await unity.say(RAVI, "/progress")
    assert "On the route: off the route by " in progress


async def test_the_daily_summary_shows_the_next_checkpoint(unity) -> None:
    from bot.edge.jobs import SUMMARIES

    await unity.say(ORGANISER, "/checkpoint Vasai | 48")
    group = {"id": -100123, "type": "supergroup", "title": "Club"}
    unity.api.admins[-100123] = [ASHA]
    await unity.say(ASHA, "/subscribe 21:00", chat=group)
    await unity.say(MILIND, "/update 24")
    unity.clock.now = day_of_run(1, 16)
    calls = await unity.run_jobs(SUMMARIES)
    summary = next(c.text for c in calls if c.chat_id == -100123)
    assert "📍 Next checkpoint: Vasai, 24 km to go, ETA day 2 (16 Aug)" in summary


async def test_checkpoints_passed_by_one_update_make_one_message(unity) -> None:
    await unity.say(RAVI, "/follow")
    await unity.say(ORGANISER, "/checkpoint Vasai | 48")
    await unity.say(ORGANISER, "/checkpoint Virar | 57")
    await unity.say(MILIND, "/update 60")
    news = [c.text for c in await unity.deliver() if "has passed" in c.text and c.chat_id == RAVI.id]
    assert news == [
        "📍 The Unity Run has passed <b>Vasai</b> (km 48) and <b>Virar</b> (km 57) on day 1.\n"
        "/progress for the details · /checkpoints for the way ahead"
    ]


async def test_a_file_with_entity_expansion_gets_a_clear_reply(unity) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;">]><gpx>&b;</gpx>'
    reply = await unity.send_file(MILIND, "run.gpx", bomb)
    assert "declares a DOCTYPE or entities" in reply


async def test_other_chats_are_answered_while_a_file_is_read(unity, monkeypatch) -> None:
    import asyncio

    from bot.services import routes

    release = asyncio.Event()
    real_read = routes.read_activity_bounded

    async def slow_read(data: bytes, name: str):
        await release.wait()
        return await real_read(data, name)

    monkeypatch.setattr(routes, "read_activity_bounded", slow_read)
    unity.clock.now = day_of_run(1, 9)
    reading = asyncio.create_task(unity.send_file(MILIND, "run.gpx", day1_gpx()))
    await asyncio.sleep(0)
    assert "Day 1 of 8" in await unity.say(RAVI, "/progress")
    assert not reading.done()
    release.set()
    assert "Posted <b>24 km</b> for day 1" in await reading


async def test_an_undone_file_update_can_be_sent_again(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    await unity.send_file(MILIND, "run.gpx", day1_gpx(), file_id="a", file_unique_id="same")
    assert "Removed your update of 24 km" in await unity.say(MILIND, "/undo")
    reply = await unity.send_file(MILIND, "run.gpx", day1_gpx(), file_id="b", file_unique_id="same")
    assert "Posted <b>24 km</b> for day 1" in reply


async def test_a_route_file_that_cannot_be_used_changes_nothing(unity) -> None:
    await with_route(unity)
    reply = await unity.send_file(ORGANISER, "route.gpx", b"PK\x03\x04" + b"\x00" * 64, caption="/route")
    assert "This is a zip archive, not a GPX file. Unzip it and send the route as a .gpx file." in reply
    calls = await unity.send(unity.updates.document(ORGANISER, "r.gpx", "big", file_size=30_000_000, caption="/route"))
    assert "over 20 MB" in calls[-1].text and all(c.method != DOWNLOAD for c in calls)
    assert len(await unity.query(checkpoints.of_run, 1)) == 11


async def test_a_file_before_any_run_is_answered_without_a_download(sim) -> None:
    calls = await sim.send(sim.updates.document(MILIND, "run.gpx", "x", file_size=1_000))
    assert "/newrun" in calls[-1].text or "no run" in calls[-1].text.lower()
    assert all(c.method != DOWNLOAD for c in calls)


async def test_a_watch_file_cannot_take_a_runners_day_past_what_a_person_can_run(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    await unity.say(MILIND, "/update 300 Typed the whole route at once")
    reply = await unity.send_file(MILIND, "Morning_Run.gpx", day1_gpx())
    stored = await unity.query(updates.of_day, 1, datetime(2021, 8, 15).date())
    assert "more than a runner can cover in a day (320 km)" in reply
    assert [e.update.metres for e in stored] == [300_000]


async def test_a_watch_file_cannot_take_a_supporters_day_past_what_a_person_can_walk(unity) -> None:
    unity.clock.now = day_of_run(1, 9)
    await unity.say(ASHA, "/log 150")
    reply = await unity.send_file(ASHA, "Morning_Walk.gpx", day1_gpx())
    assert "more than a person walks or runs in a day (161 km)" in reply
    assert [entry.metres for entry in [await unity.query(logs.last_of, 1, ASHA.id)]] == [150_000]
