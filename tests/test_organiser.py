"""Organisers set up and correct runs; invites make runners, once."""

from storage import runners, runs
from tests.conftest import ANKITA, ASHA, MILIND, ORGANISER, UNITY_RUN, invite


async def test_newrun_creates_the_current_run(sim):
    reply = await sim.say(ORGANISER, UNITY_RUN)
    assert "New run: <b>The Unity Run</b>: Mumbai → Statue of Unity" in reply
    assert "416 km, 15 Aug 2021 to 22 Aug 2021 (8 days), time zone Asia/Kolkata" in reply
    run = await sim.query(runs.latest)
    assert (run.title, run.distance_m, run.timezone) == ("The Unity Run", 416_000, "Asia/Kolkata")


async def test_newrun_without_zone_uses_the_default(sim):
    await sim.say(ORGANISER, "/newrun Delhi to Mumbai | Delhi | Mumbai | 1500 | 2022-01-01 | 2022-01-20")
    assert (await sim.query(runs.latest)).timezone == "Asia/Kolkata"


async def test_newrun_with_bad_input_explains_and_creates_nothing(sim):
    reply = await sim.say(ORGANISER, "/newrun The Unity Run | Mumbai")
    assert "Write it like: /newrun The Unity Run | Mumbai | Statue of Unity | 416" in reply
    assert await sim.query(runs.latest) is None


async def test_hostile_title_is_escaped(sim):
    reply = await sim.say(ORGANISER, "/newrun <b>x</b> & co | A | B | 10 | 2021-08-15 | 2021-08-16")
    assert "&lt;b&gt;x&lt;/b&gt; &amp; co" in reply


async def test_setdistance_and_setend_correct_the_run(unity):
    assert "416 km → 420 km" in await unity.say(ORGANISER, "/setdistance 420")
    assert "22 Aug 2021 → 24 Aug 2021" in await unity.say(ORGANISER, "/setend 2021-08-24")
    run = await unity.query(runs.latest)
    assert (run.distance_m, run.end_date.isoformat()) == (420_000, "2021-08-24")


async def test_bad_corrections_change_nothing(unity):
    assert "could not read" in await unity.say(ORGANISER, "/setdistance lots")
    assert "is not a date" in await unity.say(ORGANISER, "/setend next week")
    assert "cannot be before the start" in await unity.say(ORGANISER, "/setend 2021-08-01")
    run = await unity.query(runs.latest)
    assert (run.distance_m, run.end_date.isoformat()) == (416_000, "2021-08-22")


async def test_endrun_closes_the_run_where_it_stands(unity):
    unity.clock.advance(hours=10)
    await unity.say(MILIND, "/update 24")
    assert "closed where it stands" in await unity.say(ORGANISER, "/endrun")
    reply = await unity.say(ASHA, "/progress")
    assert "Finished: <b>24 km</b> of the planned 416 km · 5.8%" in reply
    assert "392 km short of the plan" in reply
    assert "has ended" in await unity.say(MILIND, "/update 5")
    assert "has ended" in await unity.say(ORGANISER, "/endrun")


async def test_invite_link_makes_a_runner_once(sim):
    await sim.say(ORGANISER, UNITY_RUN)
    reply = await sim.say(ORGANISER, "/invite companion")
    assert "https://t.me/UnityRunBot?start=" in reply
    token = reply.rsplit("start=", 1)[1]
    assert "You are a companion runner of <b>The Unity Run</b>" in await sim.say(ANKITA, f"/start {token}")
    assert "already a runner" in await sim.say(ANKITA, f"/start {token}")
    assert "was used already" in await sim.say(MILIND, f"/start {token}")
    run = await sim.query(runs.latest)
    assert await sim.query(runners.get, run.id, MILIND.id) is None
    assert (await sim.query(runners.get, run.id, ANKITA.id)).role == "companion"


async def test_unknown_and_expired_invites_are_refused(sim):
    await sim.say(ORGANISER, UNITY_RUN)
    assert "not valid" in await sim.say(MILIND, "/start NotARealToken123")
    token = await invite(sim, "lead")
    sim.clock.advance(days=7, seconds=1)
    assert "has expired" in await sim.say(MILIND, f"/start {token}")
    assert await sim.query(runners.get, (await sim.query(runs.latest)).id, MILIND.id) is None


async def test_invite_of_a_previous_run_is_refused(sim):
    await sim.say(ORGANISER, UNITY_RUN)
    token = await invite(sim, "lead")
    await sim.say(ORGANISER, "/endrun")
    await sim.say(ORGANISER, "/newrun Next | A | B | 100 | 2022-01-01 | 2022-01-03")
    assert "run that is over" in await sim.say(MILIND, f"/start {token}")
