"""Groups far from the run's time zone see every day once; far, moved and absurd dates break nothing."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.demo.simulator import Clock, Simulator, group_chat
from bot.domain.stats import progress
from bot.edge.jobs import SUMMARIES
from bot.services import summaries
from storage import runs, subscriptions
from tests.conftest import ANKITA, ASHA, MILIND, ORGANISER, RAVI, UNITY_RUN, invite
from tests.test_summaries import no_limits, subscribe

IST = ZoneInfo("Asia/Kolkata")
AHEAD = group_chat(-100700, "Kiritimati fans")  # UTC+14: 8.5 hours ahead of Mumbai
BEHIND = group_chat(-100701, "Honolulu fans")  # UTC-10: 15.5 hours behind
HOME = group_chat(-100702, "Mumbai fans")
EARLY = group_chat(-100703, "Mumbai early birds")


@pytest.fixture
async def world(tmp_path):
    clock = Clock(datetime(2021, 8, 14, 12, 0, tzinfo=IST).astimezone(UTC))
    async with Simulator(
        tmp_path / "bot.db", admin_ids=frozenset({ORGANISER.id}), clock=clock, rate_limiter=no_limits()
    ) as sim:
        await sim.say(ORGANISER, UNITY_RUN)
        await sim.say(MILIND, f"/start {await invite(sim, 'lead')}")
        await sim.say(ANKITA, f"/start {await invite(sim, 'companion')}")
        await subscribe(sim, AHEAD, args="07:00 Pacific/Kiritimati")
        await subscribe(sim, BEHIND, args="21:00 Pacific/Honolulu")
        await subscribe(sim, HOME, args="21:00")
        await subscribe(sim, EARLY, args="06:00")
        yield sim


def day_of(text: str) -> int:
    return int(re.search(r"Day (\d+) of", text)[1])


async def play_hourly(sim: Simulator, until: datetime, post=None) -> dict[int, list[str]]:
    """Every hour (the job's pass) until `until`; `post(sim, moment)` may post first. The summaries per chat."""
    sent: dict[int, list[str]] = {}
    while sim.clock.now < until:
        sim.clock.now += timedelta(hours=1)
        if post:
            await post(sim, sim.clock.now.astimezone(IST))
        for call in await sim.run_jobs(SUMMARIES):
            if call.method in ("sendMessage", "sendPhoto") and call.text:
                sent.setdefault(call.chat_id, []).append(call.text)
    return sent


async def post_each_evening(sim: Simulator, local: datetime) -> None:
    if local.hour == 18 and date(2021, 8, 15) <= local.date() <= date(2021, 8, 22):
        await sim.say(MILIND, f"/update 50 evening of the {local.day}th")
    if local.hour == 22 and date(2021, 8, 15) <= local.date() <= date(2021, 8, 22):  # a late one too
        await sim.say(ANKITA, f"/update 5 night of the {local.day}th")


async def test_every_group_sees_each_days_updates_exactly_once_wherever_it_is(world):
    sent = await play_hourly(world, datetime(2021, 8, 25, 12, tzinfo=IST), post_each_evening)
    for chat in (AHEAD, BEHIND, EARLY):
        texts = sent[chat["id"]]
        daily = [t for t in texts if "Final summary" not in t]
        assert [day_of(t) for t in daily] == list(range(1, 9)), chat["title"]
        for n, text in enumerate(daily, start=1):
            day = 14 + n
            assert f"evening of the {day}th" in text, (chat["title"], n)
            assert f"night of the {day}th" in text, (chat["title"], n)
        assert sum("Final summary" in t for t in texts) == 1, chat["title"]
    home = sent[HOME["id"]]  # 21:00 in the run's zone: the day so far (the 22:00 update is in /today only)
    assert [day_of(t) for t in home if "Final summary" not in t] == list(range(1, 9))
    assert sum("Final summary" in t for t in home) == 1


async def test_a_group_far_ahead_gets_day_one_on_its_second_morning(world):
    world.clock.now = datetime(2021, 8, 15, 18, tzinfo=IST).astimezone(UTC)
    await world.say(MILIND, "/update 24 Day one done")
    # 07:00 on 16 Aug in Kiritimati is 22:30 on 15 Aug in Mumbai: day 1 is nearly over, and summarised.
    world.clock.now = datetime(2021, 8, 16, 7, 0, tzinfo=ZoneInfo("Pacific/Kiritimati")).astimezone(UTC)
    calls = [c for c in await world.run_jobs(SUMMARIES) if c.chat_id == AHEAD["id"]]
    assert len(calls) == 1
    assert "Day 1 of 8" in calls[0].text and "Day one done" in calls[0].text


async def test_the_final_summary_still_comes_when_the_end_date_is_moved_into_the_past(world):
    world.clock.now = datetime(2021, 8, 15, 18, tzinfo=IST).astimezone(UTC)
    await world.say(MILIND, "/update 60")
    world.clock.now = datetime(2021, 8, 19, 10, tzinfo=IST).astimezone(UTC)
    assert "End date" in await world.say(ORGANISER, "/setend 2021-08-16")  # day 5: the end is now behind
    assert "60 km" in await world.say(ASHA, "/progress")
    assert "19 Aug 2021" in await world.say(ASHA, "/today")
    sent = await play_hourly(world, datetime(2021, 8, 21, 12, tzinfo=IST))
    for chat in (AHEAD, BEHIND, HOME, EARLY):
        finals = [t for t in sent.get(chat["id"], []) if "Final summary" in t]
        assert len(finals) == 1, chat["title"]
        assert "60 km" in finals[0]


@pytest.mark.parametrize("end", ["2026-08-14", "2021-08-15"])
async def test_progress_today_and_a_summary_pass_on_any_accepted_end_date(world, end):
    world.clock.now = datetime(2021, 8, 15, 18, tzinfo=IST).astimezone(UTC)
    assert "End date" in await world.say(ORGANISER, f"/setend {end}")
    await world.say(MILIND, "/update 0.1")  # a pace that would finish centuries from now
    assert "of 416 km" in await world.say(ASHA, "/progress")
    assert "0.1 km" in await world.say(ASHA, "/today")
    world.clock.now = datetime(2021, 8, 15, 22, tzinfo=IST).astimezone(UTC)
    assert await world.run_jobs(SUMMARIES)


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("/setend 9999-12-31", "more than 5 years after the start"),
        ("/setend 2026-08-20", "more than 5 years after the start"),
        ("/setend 2021-08-01", "cannot be before the start"),
        ("/setend 10000-01-01", "is not a date"),
    ],
)
async def test_end_dates_too_far_or_before_the_start_are_refused(world, command, says):
    assert says in await world.say(ORGANISER, command)
    assert (await world.query(runs.latest)).end_date == date(2021, 8, 22)


async def test_a_new_run_ending_in_the_year_9999_is_refused(world):
    text = UNITY_RUN.replace("2021-08-22", "9999-12-31")
    assert "more than 5 years after the start" in await world.say(ORGANISER, text)


def test_a_projected_finish_past_the_year_9999_is_not_shown():
    p = progress(100_000_000_000, date(2021, 8, 15), date(2021, 8, 22), covered_m=1, today=date(2021, 8, 22))
    assert p.projected_finish is None
    assert p.needed_m_per_day > 0


async def test_a_run_ending_on_the_last_day_of_the_calendar_breaks_no_summary_pass(world):
    """A database written before the end date was bounded: the job still runs, for this run and others."""
    run = await world.query(runs.latest)
    await world.db.transaction(lambda conn: runs.set_end_date(conn, run.id, date.max))
    world.clock.now = datetime(2021, 8, 15, 22, tzinfo=IST).astimezone(UTC)
    calls = await world.run_jobs(SUMMARIES)
    assert any(c.chat_id == HOME["id"] for c in calls)
    assert "Day 1 of" in await world.say(ASHA, "/progress")
    assert summaries.final_day(await world.query(runs.latest)) == date.max


async def test_a_chat_in_an_unknown_time_zone_does_not_stop_the_others(world):
    await world.db.transaction(
        lambda conn: conn.execute(
            "UPDATE subscriptions SET timezone = 'Mars/Olympus_Mons' WHERE chat_id = ?", (AHEAD["id"],)
        )
    )
    world.clock.now = datetime(2021, 8, 15, 22, tzinfo=IST).astimezone(UTC)
    calls = await world.run_jobs(SUMMARIES)
    assert HOME["id"] in {c.chat_id for c in calls if c.method in ("sendMessage", "sendPhoto")}
    assert "Mars/Olympus_Mons" in await world.query(subscriptions.zones)


UNREADABLE_ZONES = ["A" * 300, "Asia/" + "x" * 3000, "Asia", "Asia/../Europe/London", "Asia/Kol\x00kata", "zone.tab"]


@pytest.mark.parametrize("zone", UNREADABLE_ZONES, ids=["long", "long-path", "folder", "dot-dot", "nul", "not-tzif"])
async def test_a_time_zone_unreadable_for_any_reason_is_refused_in_words(unity, zone):
    reply = await unity.say(RAVI, f"/subscribe 20:00 {zone}")
    assert "is not a known time zone (e.g. Asia/Kolkata)" in reply and "went wrong" not in reply
    assert await unity.query(subscriptions.get, RAVI.id) is None
    reply = await unity.say(ORGANISER, f"/newrun Second | A | B | 100 | 2021-09-01 | 2021-09-05 | {zone}")
    assert "is not a known time zone (e.g. Asia/Kolkata)" in reply and "went wrong" not in reply
    assert (await unity.query(runs.latest)).title == "The Unity Run"
