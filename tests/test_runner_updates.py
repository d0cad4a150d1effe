"""Runners post, correct and undo updates; photos, locations; supporters read /today."""

from datetime import date

from bot.demo.simulator import Clock, Simulator
from storage import positions, runners, runs, updates
from tests.conftest import ANKITA, ASHA, DAY1_MORNING, MILIND, ORGANISER, UNITY_RUN, invite


async def totals(sim) -> dict[str, int]:
    run = await sim.query(runs.latest)
    return {t.runner.name: t.metres for t in await sim.query(runners.totals, run.id)}


async def test_update_with_note_is_stored_for_the_local_day(unity):
    unity.clock.advance(hours=11)
    reply = await unity.say(MILIND, "/update 24,5 km Flyovers done")
    assert "Posted <b>24.5 km</b> for day 1" in reply
    run = await unity.query(runs.latest)
    [entry] = await unity.query(updates.of_day, run.id, date(2021, 8, 15))
    assert (entry.update.metres, entry.update.note) == (24_500, "Flyovers done")


async def test_local_day_follows_the_runs_time_zone(unity):
    # 18:45 UTC on 15 Aug is 00:15 on 16 Aug in Mumbai: day 2
    unity.clock.advance(hours=17, minutes=45)
    assert "for day 2" in await unity.say(MILIND, "/update 10")


async def test_bad_updates_explain_and_store_nothing(unity):
    unity.clock.advance(hours=11)
    for text, reason in [
        ("/update", "give a distance"),
        ("/update 0", "more than 0"),
        ("/update -3", "could not"),
        ("/update nan", "could not"),
        ("/update 301", "more than 300 km"),
        ("/update 1e309", "could not"),
    ]:
        assert reason in await unity.say(MILIND, text), text
    assert await totals(unity) == {"Milind Soman": 0, "Ankita Konwar": 0}


async def test_updates_outside_the_window_are_refused(unity):
    unity.clock.now = unity.clock.now.replace(day=14)
    assert "starts on 15 Aug 2021" in await unity.say(MILIND, "/update 5")
    unity.clock.now = unity.clock.now.replace(day=23, hour=6)
    assert "/setend" in await unity.say(MILIND, "/update 5")
    assert (await totals(unity))["Milind Soman"] == 0


async def test_non_runner_cannot_post(unity):
    assert "Only the runners of The Unity Run" in await unity.say(ASHA, "/update 5")
    assert "You have no log to undo" in await unity.say(ASHA, "/undo")


async def test_editing_an_update_corrects_it_and_never_adds(unity):
    unity.clock.advance(hours=11)
    original = unity.updates.text(MILIND, "/update 28 first figure")
    await unity.send(original)
    unity.clock.advance(minutes=5)
    calls = await unity.send(unity.updates.edit(original, text="/update 24 corrected figure"))
    assert "Corrected: 28 km → <b>24 km</b>" in calls[0].text
    assert (await totals(unity))["Milind Soman"] == 24_000
    run = await unity.query(runs.latest)
    [entry] = await unity.query(updates.of_day, run.id, date(2021, 8, 15))
    assert entry.update.note == "corrected figure"


async def test_an_invalid_edit_changes_nothing(unity):
    unity.clock.advance(hours=11)
    original = unity.updates.text(MILIND, "/update 24")
    await unity.send(original)
    calls = await unity.send(unity.updates.edit(original, text="/update lots"))
    assert "could not read" in calls[0].text
    assert (await totals(unity))["Milind Soman"] == 24_000


async def test_redelivered_update_is_handled_once(unity):
    unity.clock.advance(hours=11)
    payload = unity.updates.text(MILIND, "/update 24")
    assert len(await unity.send(payload)) == 1
    assert await unity.send(payload) == []
    assert (await totals(unity))["Milind Soman"] == 24_000


async def test_redelivery_after_a_restart_is_handled_once(tmp_path):
    clock = Clock(DAY1_MORNING)
    async with Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), clock=clock) as first:
        await first.say(ORGANISER, UNITY_RUN)
        await first.say(MILIND, f"/start {await invite(first, 'lead')}")
        clock.advance(hours=11)
        payload = first.updates.text(MILIND, "/update 24")
        await first.send(payload)
    async with Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), clock=clock) as again:
        assert await again.send(payload) == []
        assert (await totals(again))["Milind Soman"] == 24_000


async def test_photo_with_update_caption_is_an_update(unity):
    unity.clock.advance(hours=11)
    calls = await unity.send(unity.updates.photo(MILIND, "/update 24 Gateway of India at dawn", file_id="PHOTO1"))
    assert "Posted <b>24 km</b>" in calls[0].text
    calls = await unity.send(unity.updates.text(ASHA, "/today"))
    assert "🏃 <b>Milind Soman</b>: 24 km 📷" in calls[0].text
    [photo] = [c for c in calls if c.method == "sendPhoto"]
    assert photo.params["photo"] == "PHOTO1"
    assert photo.params["caption"] == "Milind Soman: 24 km\nGateway of India at dawn"


async def test_photo_without_update_caption_is_not_an_update(unity):
    assert await unity.send(unity.updates.photo(MILIND, "Sunrise")) == []
    assert (await totals(unity))["Milind Soman"] == 0


async def test_undo_removes_the_runners_last_update(unity):
    unity.clock.advance(hours=11)
    await unity.say(MILIND, "/update 20")
    await unity.say(MILIND, "/update 4")
    reply = await unity.say(MILIND, "/undo")
    assert "Removed your update of 4 km" in reply
    assert "Your total: 20 km" in reply
    assert (await totals(unity))["Milind Soman"] == 20_000
    await unity.say(MILIND, "/undo")
    assert "no update to undo" in await unity.say(MILIND, "/undo")


async def test_location_and_live_location_move_the_latest_position(unity):
    share = unity.updates.location(MILIND, 19.0760, 72.8777, live_period=3600)
    assert "Position saved" in (await unity.send(share))[0].text
    unity.clock.advance(hours=2)
    assert await unity.send(unity.updates.edit(share, location={"latitude": 19.5, "longitude": 72.9})) == []
    run = await unity.query(runs.latest)
    latest = await unity.query(positions.latest, run.id)
    assert (latest.latitude, latest.longitude, latest.runner_name) == (19.5, 72.9, "Milind Soman")
    assert "mlat=19.50000" in await unity.say(ASHA, "/progress")
    assert (await totals(unity))["Milind Soman"] == 0  # a position is not a correction of km


async def test_location_from_a_supporter_is_refused(unity):
    calls = await unity.send(unity.updates.location(ASHA, 19.0, 72.8))
    assert "Only the runners" in calls[0].text
    assert await unity.query(positions.latest, (await unity.query(runs.latest)).id) is None


async def test_today_before_anyone_posted(unity):
    reply = await unity.say(ASHA, "/today")
    assert "15 Aug 2021 · day 1" in reply
    assert "Nobody has posted an update today yet." in reply


async def test_today_lists_each_runner_with_notes_escaped(unity):
    unity.clock.advance(hours=11)
    await unity.say(MILIND, "/update 24 <b>x</b> & co")
    await unity.say(ANKITA, "/update 28 16 flyovers")
    reply = await unity.say(ASHA, "/today")
    assert "🏃 <b>Milind Soman</b>: 24 km\n    &lt;b&gt;x&lt;/b&gt; &amp; co" in reply
    assert "🤝 <b>Ankita Konwar</b> (companion): 28 km\n    16 flyovers" in reply


async def test_commands_without_a_run(sim):
    assert "There is no run yet" in await sim.say(ASHA, "/progress")
    assert "There is no run yet" in await sim.say(ASHA, "/today")
    assert "There is no run yet" in await sim.say(MILIND, "/update 5")


async def test_today_sums_a_runners_updates_of_the_day_and_keeps_each_note(unity):
    await unity.say(MILIND, "/update 12 Morning leg")
    await unity.say(ANKITA, "/update 28 16 flyovers")
    await unity.say(MILIND, "/update 12.5 Evening leg")
    reply = await unity.say(ASHA, "/today")
    assert "🏃 <b>Milind Soman</b>: 24.5 km\n    Morning leg\n    Evening leg\n🤝 <b>Ankita Konwar</b>" in reply
