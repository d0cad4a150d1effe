"""Pledges through the real Application: /pledge and its keyboard, /log, /undo, /mypledge, /supporters,
/hideme, and the figures the daily summary reads."""

from datetime import UTC, date, datetime

import pytest

from bot.demo.simulator import Person, Simulator, group_chat
from bot.services import pledges as service
from storage import logs, pledges, runs
from tests.conftest import ANKITA, ASHA, MILIND, ORGANISER, RAVI, UNITY_RUN, pledged_crowd

FANS = group_chat(-1001234567890, "Unity Run fans")
MEERA = Person(3003, "Meera")
HOSTILE = Person(3004, "<b>x</b> & co")
DAY1 = date(2021, 8, 15)


async def current_run(sim: Simulator) -> runs.Run:
    return await sim.query(runs.latest)


async def pledge_of(sim: Simulator, person: Person) -> pledges.Pledge | None:
    return await sim.query(pledges.get, (await current_run(sim)).id, person.id)


async def totals(sim: Simulator) -> pledges.Totals:
    return await sim.query(pledges.totals, (await current_run(sim)).id)


async def stored(sim: Simulator) -> tuple:
    """Everything a bad input must leave alone: totals, pledges and last logs of Asha and Ravi."""
    run = await current_run(sim)
    people = (ASHA, RAVI)
    return await sim.db.read(
        lambda conn: (
            pledges.totals(conn, run.id),
            [pledges.get(conn, run.id, p.id) for p in people],
            [logs.last_of(conn, run.id, p.id) for p in people],
        )
    )


def replies(calls) -> list[str]:
    return [c.text for c in calls if c.method == "sendMessage"]


# --- Done when --------------------------------------------------------------------------------------


async def test_done_when_asha_and_ravi_pledge_and_asha_logs_5_km(unity):
    assert await unity.say(ASHA, "/pledge") == (
        "🤝 Thank you, Asha! You pledged <b>20.8 km</b>, 5% of The Unity Run (416 km).\n"
        "Do it by 22 Aug 2021: 2.6 km a day for 8 days.\n"
        "Log your walks and runs with /log 5 [note]; /mypledge shows where you stand."
    )
    assert "You pledged <b>41.6 km</b>, 10% of The Unity Run" in await unity.say(RAVI, "/pledge 10%")
    assert await unity.say(ASHA, "/log 5") == (
        "✅ Logged <b>5 km</b> for 15 Aug 2021 · The Unity Run\nYour pledge: 5 of 20.8 km · 24%, 15.8 km to go."
    )

    assert await unity.say(ASHA, "/mypledge") == (
        "🤝 <b>Asha</b>, your pledge for The Unity Run\n"
        "<b>5 of 20.8 km</b> logged · 24%\n"
        "████░░░░░░░░░░░░░░░░\n"
        "Pledged: 20.8 km, 5% of the run's 416 km\n"
        "15.8 km left · 8 days left · 2 km a day needed (by 22 Aug 2021)\n"
        "🏅 Rank 1 among supporters by km logged"
    )
    assert await unity.say(RAVI, "/supporters") == (
        "🤝 <b>Supporters of The Unity Run</b>\n"
        "2 supporters · 62.4 km pledged (15% of the run's distance)\n"
        "👟 5 km logged (1.2% of the run's distance)\n"
        "\n"
        "🏆 Top supporters by km logged\n"
        "1. Asha: 5 km"
    )
    assert await totals(unity) == pledges.Totals(supporters=2, pledged_m=62_400, logged_m=5_000)


# --- /pledge ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "metres", "shown"),
    [
        ("/pledge", 20_800, "<b>20.8 km</b>, 5% of"),
        ("/pledge 20", 20_000, "<b>20 km</b>, 4.8% of"),
        ("/pledge 20 km", 20_000, "<b>20 km</b>, 4.8% of"),
        ("/pledge 12.5%", 52_000, "<b>52 km</b>, 12.5% of"),
        ("/pledge 5 %", 20_800, "<b>20.8 km</b>, 5% of"),
        ("/pledge@UnityRunBot 10%", 41_600, "<b>41.6 km</b>, 10% of"),
    ],
)
async def test_pledge_forms(unity, command, metres, shown):
    reply = await unity.say(ASHA, command)
    assert shown in reply
    assert "Do it by 22 Aug 2021" in reply
    assert (await pledge_of(unity, ASHA)).pledged_m == metres


async def test_pledging_again_changes_the_pledge_and_says_from_what_to_what(unity):
    await unity.say(ASHA, "/pledge")
    reply = await unity.say(ASHA, "/pledge 10%")
    assert "your pledge changed from 20.8 km to <b>41.6 km</b>, 10% of The Unity Run" in reply
    assert "your pledge stays <b>41.6 km</b>" in await unity.say(ASHA, "/pledge 41.6")
    assert await totals(unity) == pledges.Totals(supporters=1, pledged_m=41_600, logged_m=0)


async def test_pledge_before_the_start_spreads_over_the_whole_run(unity):
    unity.clock.now = datetime(2021, 8, 10, 6, 0, tzinfo=UTC)
    assert "Do it by 22 Aug 2021: 2.6 km a day for 8 days." in await unity.say(ASHA, "/pledge")


async def test_pledge_on_the_last_day_and_after_the_end(unity):
    unity.clock.now = datetime(2021, 8, 22, 6, 0, tzinfo=UTC)
    assert "Do it by 22 Aug 2021: 20.8 km a day for 1 day." in await unity.say(ASHA, "/pledge")
    unity.clock.now = datetime(2021, 8, 22, 19, 0, tzinfo=UTC)  # 00:30 on 23 Aug in Mumbai
    before = await stored(unity)
    assert "pledges are closed" in await unity.say(RAVI, "/pledge")
    assert await stored(unity) == before


async def test_pledge_without_a_run(sim):
    assert "There is no run yet" in await sim.say(ASHA, "/pledge")


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("/pledge -5", "could not read “-5”"),
        ("/pledge abc", "could not read “abc”"),
        ("/pledge 0%", "The share must be more than 0%"),
        ("/pledge 0", "The distance must be more than 0"),
        ("/pledge 1e309", "could not read “1e309”"),
        ("/pledge " + "9" * 400, "could not read"),
        ("/pledge nan", "could not read"),
        ("/pledge 0.01%", "A pledge is at least 0.1 km"),
        ("/pledge 4161", "at most 10 times the run (4160 km)"),
        ("/pledge 1001%", "at most 10 times the run"),
    ],
)
async def test_bad_pledges_change_nothing(unity, command, says):
    await unity.say(ASHA, "/pledge")
    await unity.say(ASHA, "/log 5")
    before = await stored(unity)
    reply = await unity.say(ASHA, command)
    assert says in reply
    assert "Write it like: /pledge" in reply
    assert await stored(unity) == before


# --- the keyboard -----------------------------------------------------------------------------------


async def test_pledge_reply_offers_5_10_25_percent(unity):
    calls = await unity.send(unity.updates.text(ASHA, "/pledge"))
    buttons = calls[0].params["reply_markup"]["inline_keyboard"][0]
    run = await unity.query(runs.latest)
    assert [(b["text"], b["callback_data"]) for b in buttons] == [
        ("5%", f"pledge 5% {run.id}"),
        ("10%", f"pledge 10% {run.id}"),
        ("25%", f"pledge 25% {run.id}"),
    ]


async def test_a_tap_does_what_the_command_does_and_replies_in_the_chat(unity):
    calls = await unity.send(unity.updates.callback(RAVI, "pledge 10%", chat=FANS))

    assert [c.method for c in calls] == ["answerCallbackQuery", "sendMessage"]
    assert calls[1].chat_id == FANS["id"]
    assert (await pledge_of(unity, RAVI)).pledged_m == 41_600
    by_command = await unity.say(ASHA, "/pledge 10%")
    assert calls[1].text == by_command.replace("Asha", "Ravi")


async def test_tapping_again_changes_the_pledge(unity):
    await unity.say(ASHA, "/pledge")
    calls = await unity.send(unity.updates.callback(ASHA, "pledge 25%"))
    assert "your pledge changed from 20.8 km to <b>104 km</b>, 25% of" in replies(calls)[0]
    assert await totals(unity) == pledges.Totals(supporters=1, pledged_m=104_000, logged_m=0)


async def test_a_forged_tap_is_ignored(unity):
    before = await stored(unity)
    calls = await unity.send(unity.updates.callback(ASHA, "pledge 99%"))
    assert [(c.method, c.params.get("text")) for c in calls] == [
        ("answerCallbackQuery", "This button no longer works.")
    ]
    assert await stored(unity) == before


async def test_a_tap_after_the_run_ended_is_answered_and_explained(unity):
    await unity.say(ORGANISER, "/endrun")
    calls = await unity.send(unity.updates.callback(ASHA, "pledge 5%", chat=FANS))
    assert calls[0].method == "answerCallbackQuery"
    assert "has ended" in replies(calls)[0]
    assert await pledge_of(unity, ASHA) is None


# --- /log, editing it, /undo ------------------------------------------------------------------------


async def test_log_with_a_note_and_for_yesterday(unity):
    await unity.say(ASHA, "/pledge")
    unity.clock.advance(days=1)  # day 2
    assert "Logged <b>3 km</b> for 16 Aug 2021 · The Unity Run: Morning walk" in await unity.say(
        ASHA, "/log 3 km Morning walk"
    )
    reply = await unity.say(ASHA, "/log 4 yesterday evening run")
    assert "Logged <b>4 km</b> for 15 Aug 2021 · The Unity Run: evening run" in reply
    assert "Your pledge: 7 of 20.8 km · 33.7%, 13.8 km to go." in reply
    assert (await unity.query(logs.last_of, (await current_run(unity)).id, ASHA.id)).local_day == DAY1


async def test_log_without_a_pledge_works_and_suggests_one(unity):
    calls = await unity.send(unity.updates.text(RAVI, "/log 3"))
    assert "Your total: 3 km. Make it a pledge: /pledge commits 5% of the run" in calls[0].text
    assert "inline_keyboard" in calls[0].params["reply_markup"]
    assert await totals(unity) == pledges.Totals(supporters=0, pledged_m=0, logged_m=3_000)
    report = await unity.say(ASHA, "/supporters")
    assert "No pledges yet" in report
    assert "1. Ravi: 3 km" in report


async def test_reaching_the_pledge_is_congratulated_once(unity):
    await unity.say(ASHA, "/pledge 10")
    assert "🎉" not in await unity.say(ASHA, "/log 6")
    reached = await unity.say(ASHA, "/log 4")
    assert "🎉 Asha, you reached your pledge of 10 km!" in reached
    assert "Your pledge: 10 of 10 km · 100%." in reached
    assert "🎉" not in await unity.say(ASHA, "/log 1")
    await unity.say(ASHA, "/undo")
    await unity.say(ASHA, "/undo")
    assert "🎉" not in await unity.say(ASHA, "/log 5")  # back over the same pledge: not again
    await unity.say(ASHA, "/pledge 20")
    assert "you reached your pledge of 20 km" in await unity.say(ASHA, "/log 9")  # a new, higher pledge


async def test_editing_a_log_corrects_it(unity):
    await unity.say(ASHA, "/pledge")
    original = unity.updates.text(ASHA, "/log 5 walk")
    await unity.send(original)

    calls = await unity.send(unity.updates.edit(original, text="/log 6 long walk"))

    assert "✏️ Corrected your log: 5 km → <b>6 km</b> for 15 Aug 2021 · The Unity Run: long walk" in replies(calls)[0]
    assert (await pledge_of(unity, ASHA)).logged_m == 6_000
    assert await totals(unity) == pledges.Totals(supporters=1, pledged_m=20_800, logged_m=6_000)
    last = await unity.query(logs.last_of, (await current_run(unity)).id, ASHA.id)
    assert (last.metres, last.note) == (6_000, "long walk")
    await unity.say(ASHA, "/undo")
    assert (await pledge_of(unity, ASHA)).logged_m == 0  # there was one log, not two


async def test_editing_a_log_to_yesterday_moves_it(unity):
    unity.clock.advance(days=1)
    original = unity.updates.text(ASHA, "/log 5")
    await unity.send(original)
    unity.clock.advance(days=3)  # the edit comes later: the day is the message's, not the edit's
    await unity.send(unity.updates.edit(original, text="/log 5 yesterday"))
    last = await unity.query(logs.last_of, (await current_run(unity)).id, ASHA.id)
    assert last.local_day == DAY1


async def test_a_bad_edit_changes_nothing(unity):
    original = unity.updates.text(ASHA, "/log 5")
    await unity.send(original)
    before = await stored(unity)
    for text in ("/log abc", "/log 1000", "/log 5 yesterday"):  # yesterday is before the start on day 1
        calls = await unity.send(unity.updates.edit(original, text=text))
        assert replies(calls) and "Corrected" not in replies(calls)[0]
        assert await stored(unity) == before


async def test_editing_a_refused_log_logs_it(unity):
    original = unity.updates.text(ASHA, "/log 1000")
    assert "more than 300 km" in replies(await unity.send(original))[0]
    calls = await unity.send(unity.updates.edit(original, text="/log 10"))
    assert "Logged <b>10 km</b>" in replies(calls)[0]
    assert (await pledge_of(unity, ASHA)).logged_m == 10_000


async def test_an_edit_that_is_no_longer_a_log_is_ignored(unity):
    original = unity.updates.text(ASHA, "/log 5")
    await unity.send(original)
    assert await unity.send(unity.updates.edit(original, text="walked 5 km")) == []
    assert (await pledge_of(unity, ASHA)).logged_m == 5_000


async def test_a_redelivered_log_is_not_counted_twice(unity):
    payload = unity.updates.text(ASHA, "/log 5", FANS)
    await unity.send(payload)
    assert await unity.send(payload) == []  # the same update again: nothing at all
    again = dict(payload, update_id=payload["update_id"] + 1_000)  # the same message, a forgotten update id
    await unity.send(again)
    assert (await pledge_of(unity, ASHA)).logged_m == 5_000
    assert await totals(unity) == pledges.Totals(supporters=0, pledged_m=0, logged_m=5_000)


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("/log 0", "The distance must be more than 0"),
        ("/log nan", "could not read “nan”"),
        ("/log 1000", "more than 300 km"),
        ("/log -2", "could not read"),
        ("/log", "Please give a distance"),
        ("/log 5 yesterday", "14 Aug 2021 is outside them"),
    ],
)
async def test_bad_logs_change_nothing(unity, command, says):
    await unity.say(ASHA, "/pledge")
    await unity.say(ASHA, "/log 5")
    before = await stored(unity)
    assert says in await unity.say(ASHA, command)
    assert await stored(unity) == before


async def test_no_log_outside_the_run_window(unity):
    unity.clock.now = datetime(2021, 8, 14, 12, 0, tzinfo=UTC)
    assert "outside them" in await unity.say(ASHA, "/log 5")
    unity.clock.now = datetime(2021, 8, 22, 19, 0, tzinfo=UTC)  # 23 Aug in Mumbai
    assert "23 Aug 2021 is outside them" in await unity.say(ASHA, "/log 5")
    assert await totals(unity) == pledges.Totals(0, 0, 0)
    assert "Logged <b>5 km</b> for 22 Aug 2021 · The Unity Run" in await unity.say(ASHA, "/log 5 yesterday")


async def test_no_log_after_endrun(unity):
    await unity.say(ORGANISER, "/endrun")
    assert "has ended" in await unity.say(ASHA, "/log 5")
    assert await pledge_of(unity, ASHA) is None


async def test_undo_removes_a_supporters_last_log(unity):
    await unity.say(ASHA, "/pledge")
    await unity.say(ASHA, "/log 5")
    await unity.say(ASHA, "/log 3")
    assert await unity.say(ASHA, "/undo") == (
        "↩️ Removed your log of 3 km (15 Aug 2021) from The Unity Run.\nYour pledge: 5 of 20.8 km · 24%, 15.8 km to go."
    )
    assert (await pledge_of(unity, ASHA)).logged_m == 5_000
    await unity.say(ASHA, "/undo")
    assert "You have no log to undo" in await unity.say(ASHA, "/undo")
    assert await totals(unity) == pledges.Totals(supporters=1, pledged_m=20_800, logged_m=0)


async def test_undo_still_removes_a_runners_update(unity):
    await unity.say(MILIND, "/update 24")
    assert "Removed your update of 24 km" in await unity.say(MILIND, "/undo")
    assert "You have no update to undo" in await unity.say(MILIND, "/undo")


# --- /mypledge, /supporters, /hideme ----------------------------------------------------------------


async def test_mypledge_without_a_pledge(unity):
    calls = await unity.send(unity.updates.text(ASHA, "/mypledge"))
    assert "You have not pledged yet." in calls[0].text
    assert "inline_keyboard" in calls[0].params["reply_markup"]


async def test_mypledge_after_the_run_days(unity):
    await unity.say(ASHA, "/pledge")
    await unity.say(ASHA, "/log 5")
    unity.clock.now = datetime(2021, 8, 24, 6, 0, tzinfo=UTC)
    assert "15.8 km short: the days of the run are over." in await unity.say(ASHA, "/mypledge")


async def test_ranks_share_ties(unity):
    people = [Person(4000 + i, name) for i, name in enumerate(("Anu", "Bela", "Chitra", "Dev"))]
    for person, km in zip(people, (9, 7, 7, 3), strict=True):
        await unity.say(person, "/pledge")
        await unity.say(person, f"/log {km}")

    board = (await unity.say(ASHA, "/supporters")).split("🏆 Top supporters by km logged\n")[1]
    assert board.splitlines() in (
        ["1. Anu: 9 km", "2. Bela: 7 km", "2. Chitra: 7 km", "4. Dev: 3 km"],
        ["1. Anu: 9 km", "2. Chitra: 7 km", "2. Bela: 7 km", "4. Dev: 3 km"],
    )
    assert "Rank 2 among supporters" in await unity.say(people[2], "/mypledge")
    assert "Rank 4 among supporters" in await unity.say(people[3], "/mypledge")


async def test_top_10_and_hideme(unity):
    crowd = [Person(5000 + km, f"Walker{km}") for km in range(1, 13)]
    for person in crowd:
        await unity.say(person, f"/log {person.id - 5000}")
    board = (await unity.say(ASHA, "/supporters")).split("🏆 Top supporters by km logged\n")[1].splitlines()
    assert board[0] == "1. Walker12: 12 km"
    assert board[-1] == "10. Walker3: 3 km"
    assert len(board) == 10

    top = crowd[-1]
    assert "off the /supporters list" in await unity.say(top, "/hideme")
    report = await unity.say(ASHA, "/supporters")
    assert "Walker12" not in report
    assert "1. Walker11: 11 km" in report
    assert "👟 78 km logged" in report  # hidden km still count
    mine = await unity.say(top, "/mypledge")
    assert "Rank 1 among supporters" in mine
    assert "You are hidden from the /supporters list" in mine

    assert "on the /supporters list again" in await unity.say(top, "/showme")
    assert "1. Walker12: 12 km" in await unity.say(ASHA, "/supporters")


async def test_hideme_before_pledging_is_kept(unity):
    await unity.say(ASHA, "/hideme")
    await unity.say(ASHA, "/pledge")
    await unity.say(ASHA, "/log 5")
    await unity.say(RAVI, "/log 1")
    report = await unity.say(RAVI, "/supporters")
    assert "Asha" not in report
    assert "1. Ravi: 1 km" in report
    assert "Rank 1 among supporters" in await unity.say(RAVI, "/mypledge")  # ranked among those shown


async def test_hostile_names_come_back_escaped(unity):
    pledged = await unity.say(HOSTILE, "/pledge")
    assert "Thank you, &lt;b&gt;x&lt;/b&gt; &amp; co!" in pledged
    await unity.say(HOSTILE, "/log 21 <i>fast</i>")
    report = await unity.say(ASHA, "/supporters")
    assert "1. &lt;b&gt;x&lt;/b&gt; &amp; co: 21 km" in report
    assert "<b>x</b>" not in report
    assert "<b>&lt;b&gt;x&lt;/b&gt; &amp; co</b>, your pledge" in await unity.say(HOSTILE, "/mypledge")
    calls = await unity.send(unity.updates.callback(HOSTILE, "pledge 10%", chat=FANS))
    assert "&lt;b&gt;x&lt;/b&gt; &amp; co, your pledge changed" in replies(calls)[0]


async def test_supporters_in_a_group(unity):
    await unity.say(ASHA, "/pledge", FANS)
    calls = await unity.send(unity.updates.text(RAVI, "/supporters@UnityRunBot", FANS))
    assert [c.chat_id for c in calls if c.method == "sendMessage"] == [FANS["id"]]
    assert "1 supporter · 20.8 km pledged (5% of the run's distance)" in calls[0].text


async def test_a_new_run_starts_fresh(unity):
    await unity.say(ASHA, "/pledge")
    await unity.say(ASHA, "/log 5")
    await unity.say(ORGANISER, UNITY_RUN.replace("The Unity Run", "The Second Run"))
    assert "Welcome to <b>The Second Run</b>" in await unity.say(ASHA, "/start the-second-run")
    assert "You have not pledged yet" in await unity.say(ASHA, "/mypledge")
    report = await unity.say(ASHA, "/supporters")
    assert "No pledges yet" in report and "👟 0 km logged" in report
    assert "You have no log to undo" in await unity.say(ASHA, "/undo")


async def test_help_lists_the_pledge_commands(unity):
    text = await unity.say(ANKITA, "/help")
    for command in ("/pledge", "/log", "/mypledge", "/supporters", "/hideme", "/showme"):
        assert command in text


# --- the daily summary's figures --------------------------------------------------------------------


async def test_day_activity_and_behind_pace(unity):
    await unity.say(ASHA, "/pledge")
    await unity.say(RAVI, "/pledge 10%")
    await unity.say(ASHA, "/log 5")
    await unity.say(RAVI, "/log 3")
    unity.clock.now = datetime(2021, 8, 15, 19, 0, tzinfo=UTC)  # 00:30 on 16 Aug in Mumbai: day 2
    await unity.say(MEERA, "/pledge 10")
    await unity.say(ASHA, "/pledge 25")  # a changed pledge is not a new one
    await unity.say(ASHA, "/log 4 yesterday")
    await unity.say(ASHA, "/log 2")
    await unity.say(RAVI, "/log 7")
    run = await current_run(unity)

    day1 = await unity.query(service.day_activity, run, DAY1)
    assert day1 == service.DayActivity(
        new_pledges=2,
        logged_today_m=12_000,
        supporters=3,
        pledged_m=76_600,
        logged_m=21_000,
        top_name="Asha",
        top_today_m=9_000,
    )
    day2 = await unity.query(service.day_activity, run, date(2021, 8, 16))
    assert (day2.new_pledges, day2.logged_today_m, day2.top_name, day2.top_today_m) == (1, 9_000, "Ravi", 7_000)
    await unity.say(RAVI, "/hideme")
    day2 = await unity.query(service.day_activity, run, date(2021, 8, 16))
    assert (day2.top_name, day2.top_today_m) == ("Asha", 2_000)
    quiet = await unity.query(service.day_activity, run, date(2021, 8, 17))
    assert (quiet.new_pledges, quiet.logged_today_m, quiet.top_name, quiet.top_today_m) == (0, 0, None, 0)

    # By the end of day 2 of 8 an even pace has done a quarter of a pledge made on day 1. Asha: 11 of
    # 25 km, on track. Ravi: 10 of 41.6 km (10.4 needed), hidden but still reminded. Meera pledged 10 km
    # on day 2: a seventh of it was due by its end (1.43 km), she logged 0.
    assert await unity.query(service.behind_pace, run, date(2021, 8, 16)) == [
        service.Behind(MEERA.id, "Meera", 10_000, 0, 1_700, 1_500),  # 10 km over 6 days: 1.7 km a day
        service.Behind(RAVI.id, "Ravi", 41_600, 10_000, 5_300, 400),  # 31.6 km over 6 days: 5.3 km a day
    ]
    assert await unity.query(service.behind_pace, run, DAY1) == []  # Meera had not pledged yet
    assert await unity.query(service.behind_pace, run, date(2021, 8, 14)) == []
    last = await unity.query(service.behind_pace, run, date(2021, 8, 22))
    assert [(b.first_name, b.needed_per_day_m) for b in last] == [("Ravi", 31_600), ("Asha", 14_000), ("Meera", 10_000)]


# --- cost -------------------------------------------------------------------------------------------


async def _sqlite_steps(sim: Simulator, person: Person, command: str) -> int:
    """SQLite virtual machine steps (in tens) a command costs: deterministic, unlike a timing."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    await sim.db.conn.set_progress_handler(count, 10)
    await sim.say(person, command)
    await sim.db.conn.set_progress_handler(None, 10)
    return steps


async def test_supporters_and_mypledge_cost_does_not_grow_with_the_crowd(tmp_path):
    """/supporters and a leader's /mypledge read the same few rows with 20 or 2000 supporters.

    (A rank counts the index entries ahead of the supporter: that part grows with the rank itself.)
    """
    costs = []
    for size in (20, 2_000):
        async with Simulator(tmp_path / f"{size}.db", admin_ids=frozenset({ORGANISER.id})) as sim:
            await sim.say(ORGANISER, UNITY_RUN)
            await pledged_crowd(sim, size, logged_m=lambda i: 1_000 + i % 500)
            await sim.say(ASHA, "/pledge")
            await sim.say(ASHA, "/log 100")
            assert "Rank 1 among supporters" in await sim.say(ASHA, "/mypledge")
            costs.append((await _sqlite_steps(sim, RAVI, "/supporters"), await _sqlite_steps(sim, ASHA, "/mypledge")))
    (small_supporters, small_mine), (large_supporters, large_mine) = costs
    assert large_supporters <= small_supporters + 5
    assert large_mine <= small_mine + 5
