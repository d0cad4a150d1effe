"""/update and /log read km, m, metres and miles, or refuse; a day's km stay within what a person can cover."""

from datetime import date

import pytest

from bot.demo.simulator import group_chat
from bot.domain.plausibility import RUNNER_DAY_M, SUPPORTER_DAY_M
from bot.services import summaries
from storage import logs, pledges, runs, updates
from tests.conftest import ASHA, MILIND, RAVI

DAY1 = date(2021, 8, 15)
FANS = group_chat(-100500, "Unity Run Fans")


async def day_updates(sim) -> list[tuple[int, str | None]]:
    run = await sim.query(runs.latest)
    return [(e.update.metres, e.update.note) for e in await sim.query(updates.of_day, run.id, DAY1)]


async def logged_m(sim, person) -> int:
    run = await sim.query(runs.latest)
    found = await sim.query(pledges.get, run.id, person.id)
    return found.logged_m if found else 0


@pytest.mark.parametrize(
    ("text", "metres", "note"),
    [
        ("/update 15 mi", 24_140, None),
        ("/update 15mi Flyovers", 24_140, "Flyovers"),
        ("/update 15 Miles", 24_140, None),
        ("/update 1 MILE warm-up", 1_609, "warm-up"),
        ("/update 500 metres", 500, None),
        ("/update 500 Meters", 500, None),
        ("/update 500m", 500, None),
        ("/update 2 kilometres", 2_000, None),
        ("/update 2 KM", 2_000, None),
        ("/update 2kms", 2_000, None),
        ("/update 24 in the rain", 24_000, "in the rain"),
        ("/update 24 K.M. along the coast", 24_000, "along the coast"),
        ("/update 5 miles, great day", 8_047, "great day"),
        ("/update 24 M.G. Road", 24_000, "M.G. Road"),
    ],
)
async def test_update_reads_the_units_and_stores_metres(unity, text, metres, note):
    unity.clock.advance(hours=11)
    reply = await unity.say(MILIND, text)
    assert "Posted" in reply
    assert await day_updates(unity) == [(metres, note)]


async def test_update_15_mi_is_stored_as_24_km_not_15(unity):
    unity.clock.advance(hours=11)
    assert "Posted <b>24.1 km</b> for day 1" in await unity.say(MILIND, "/update 15 mi")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("/update 5 yards", "not in yards"),
        ("/update 5ft", "not in ft"),
        ("/update 12 km/h", "not in km/h"),
        ("/update 12 kmh fast", "not in kmh"),
        ("/update 3 hours", "not in hours"),
        ("/update 1,500 m", "thousands comma"),
        ("/update 0.04", "shown as 0 km: the smallest distance I take is 0.05 km (50 m)"),
        ("/update 20 m", "shown as 0 km: the smallest distance I take is 0.05 km (50 m)"),
        ("/update 0.02 mi", "shown as 0 km"),
        ("/update 200 mi", "200 mi (321.9 km) is more than 300 km"),
        ("/update 24furlongs", "could not read"),
    ],
)
async def test_update_refuses_what_it_cannot_read(unity, text, says):
    unity.clock.advance(hours=11)
    assert says in await unity.say(MILIND, text)
    assert await day_updates(unity) == []


@pytest.mark.parametrize(
    ("text", "metres", "note"),
    [
        ("/log 200 metres", 200, None),
        ("/log 200 METRES by the sea", 200, "by the sea"),
        ("/log 3 mi", 4_828, None),
        ("/log 3 miles yesterday", None, None),  # day 1 has no yesterday: refused below
        ("/log 5 km Evening walk", 5_000, "Evening walk"),
    ],
)
async def test_log_reads_the_units(unity, text, metres, note):
    unity.clock.advance(hours=11)
    reply = await unity.say(ASHA, text)
    run = await unity.query(runs.latest)
    stored = await unity.query(logs.last_of, run.id, ASHA.id)
    if metres is None:
        assert "outside them" in reply and stored is None
        return
    assert "Logged" in reply
    assert (stored.metres, stored.note) == (metres, note)


async def test_log_200_metres_is_not_200_km(unity):
    unity.clock.advance(hours=11)
    assert "Logged <b>0.2 km</b> for 15 Aug 2021" in await unity.say(ASHA, "/log 200 metres")
    assert await logged_m(unity, ASHA) == 200


async def test_log_refuses_unit_words_it_does_not_take(unity):
    unity.clock.advance(hours=11)
    assert "not in steps" in await unity.say(ASHA, "/log 10000 steps")
    assert "shown as 0 km" in await unity.say(ASHA, "/log 10 m")
    assert await logged_m(unity, ASHA) == 0


async def test_the_fourth_log_of_300_is_refused_and_the_day_stays_plausible(unity):
    unity.clock.advance(hours=11)
    first = await unity.say(ASHA, "/log 150")
    assert "Logged <b>150 km</b>" in first
    refused = await unity.say(ASHA, "/log 300")
    assert "You have logged 150 km for that day; with 300 km more that makes 450 km for 15 Aug 2021" in refused
    assert f"({SUPPORTER_DAY_M // 1000} km)" in refused
    assert "at most 11 km more for that day" in refused
    for _ in range(2):
        assert "more than a person walks or runs in a day" in await unity.say(ASHA, "/log 300")
    assert await logged_m(unity, ASHA) == 150_000
    assert "Logged <b>11 km</b>" in await unity.say(ASHA, "/log 11")
    assert "at most 0 km more" in await unity.say(ASHA, "/log 0.1")
    assert await logged_m(unity, ASHA) == SUPPORTER_DAY_M


async def test_three_logs_of_300_do_not_top_the_supporters_or_the_summary(unity):
    unity.clock.advance(hours=11)
    await unity.say(RAVI, "/log 12")
    replies = [await unity.say(ASHA, "/log 300") for _ in range(3)]
    assert all("more than a person walks or runs in a day (161 km)" in r for r in replies)
    assert await logged_m(unity, ASHA) == 0
    assert "Asha" not in await unity.say(RAVI, "/supporters")
    run = await unity.query(runs.latest)
    day = await unity.query(summaries.day_activity, run, DAY1)
    assert (day.top_name, day.top_today_m) == ("Ravi", 12_000)


async def test_a_log_edit_is_held_to_the_day_limit_too(unity):
    unity.clock.advance(hours=11)
    await unity.say(ASHA, "/log 100")
    second = unity.updates.text(ASHA, "/log 50")
    await unity.send(second)
    calls = await unity.send(unity.updates.edit(second, text="/log 300"))
    assert "more than a person walks or runs in a day" in calls[-1].text
    assert await logged_m(unity, ASHA) == 150_000
    calls = await unity.send(unity.updates.edit(second, text="/log 61"))
    assert "50 km → <b>61 km</b>" in calls[-1].text
    assert await logged_m(unity, ASHA) == 161_000


async def test_a_runners_day_is_capped_and_an_edit_too(unity):
    unity.clock.advance(hours=11)
    assert "Posted" in await unity.say(MILIND, "/update 200")
    refused = await unity.say(MILIND, "/update 200")
    assert "You have posted 200 km for that day; with 200 km more that makes 400 km for 15 Aug 2021" in refused
    assert f"more than a runner can cover in a day ({RUNNER_DAY_M // 1000} km)" in refused
    second = unity.updates.text(MILIND, "/update 100")
    await unity.send(second)
    assert [m for m, _ in await day_updates(unity)] == [200_000, 100_000]
    calls = await unity.send(unity.updates.edit(second, text="/update 150"))
    assert "more than a runner can cover" in calls[-1].text
    assert [m for m, _ in await day_updates(unity)] == [200_000, 100_000]
    calls = await unity.send(unity.updates.edit(second, text="/update 120"))
    assert "Posted" in calls[-1].text or "Corrected" in calls[-1].text
    assert [m for m, _ in await day_updates(unity)] == [200_000, 120_000]


async def test_a_redelivered_update_is_not_counted_against_its_own_day(unity):
    unity.clock.advance(hours=11)
    message = unity.updates.text(MILIND, "/update 300")
    await unity.send(message)
    again = dict(message, update_id=message["update_id"] + 1_000)  # the same message, in another update
    calls = await unity.send(again)
    assert "more than a runner" not in calls[-1].text
    assert [m for m, _ in await day_updates(unity)] == [300_000]


async def test_two_units_in_a_row_are_refused_not_kept_as_the_note(unity):
    """Found by tests/test_fuzz.py: '1km FT' stored 1 km with the note 'FT'."""
    unity.clock.advance(hours=11)
    assert "as one distance" in await unity.say(MILIND, "/update 1km FT")
    assert "as one distance" in await unity.say(ASHA, "/log 5 km miles")
    assert await day_updates(unity) == []
