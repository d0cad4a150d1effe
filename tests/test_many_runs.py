"""Many runs, one bot: which run a message is about, asking when it could be two, deep links, /runs, each run's
organisers, followers and groups kept apart."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.demo.simulator import Person, group_chat
from storage import followers, logs, pledges, runs, updates
from tests.conftest import ASHA, MILIND, ORGANISER, RAVI, invite

CAPTAIN = Person(4001, "Kiran", "Captain")
RELAY_RUNNER = Person(4002, "Sana")
RELAY = "/newrun Weekend Relay | Powai | Powai | 100 | 2021-08-15 | 2021-08-16 | Asia/Kolkata"
STRIDERS = group_chat(-1005550001, "Powai Striders")
FANS = group_chat(-1005550002, "Unity fans")
QUESTION = "🤔 Which run do you mean?"


async def run_named(sim, slug):
    return await sim.query(runs.by_slug, slug)


@pytest.fixture
async def two_runs(unity):
    """The Unity Run (Milind, Ankita) and the Weekend Relay beside it: Kiran co-organises it, Sana runs it."""
    await unity.say(ORGANISER, RELAY)
    token = await invite(unity, "organiser")  # the operator's chat is about the run they created last
    assert "You now organise <b>Weekend Relay</b>" in await unity.say(CAPTAIN, f"/start {token}")
    reply = await unity.say(CAPTAIN, "/invite lead")
    assert "Invite for a lead runner of Weekend Relay" in reply
    await unity.say(RELAY_RUNNER, f"/start {reply.rsplit('start=', 1)[1].strip()}")
    unity.clock.advance(hours=11)  # 17:30 in Mumbai on day 1 of both
    return unity


def tap_answering(sim, person, data, asked, chat=None):
    """The tap on a button under the bot's question, which replied to `asked`: Telegram puts that message
    in the tap's message as reply_to_message."""
    tap = sim.updates.callback(person, data, chat=chat)
    tap["callback_query"]["message"]["reply_to_message"] = asked["message"]
    return tap


def buttons(call):
    return [(b["text"], b["callback_data"]) for row in call.params["reply_markup"]["inline_keyboard"] for b in row]


async def test_a_runs_link_joins_it_and_replies_name_it(two_runs):
    relay = await run_named(two_runs, "weekend-relay")
    assert relay.title == "Weekend Relay" and relay.listed

    welcome = await two_runs.say(RAVI, "/start weekend-relay")
    progress = await two_runs.say(RAVI, "/progress")

    assert welcome.startswith("👋 Welcome to <b>Weekend Relay</b>: Powai → Powai, 100 km")
    assert "<b>Weekend Relay</b>" in progress and "Unity" not in progress
    assert "👉 Back to <b>Weekend Relay</b>" in await two_runs.say(RAVI, "/start weekend-relay")
    assert "not valid" in await two_runs.say(RAVI, "/start no-such-run")
    assert "not valid" in await two_runs.say(RAVI, "/start ../../etc")


async def test_a_command_that_could_mean_two_runs_asks_and_the_tap_answers_it_once(two_runs):
    unity_run, relay = await run_named(two_runs, "the-unity-run"), await run_named(two_runs, "weekend-relay")
    await two_runs.send(two_runs.updates.callback(ASHA, f"pledge 5% {unity_run.id}", chat=FANS))  # taps in two groups
    await two_runs.send(two_runs.updates.callback(ASHA, f"pledge 10% {relay.id}", chat=STRIDERS))

    asked = two_runs.updates.text(ASHA, "/log 5 Evening walk")
    [question] = await two_runs.send(asked)
    assert question.text.startswith(QUESTION)
    assert "<b>The Unity Run</b>" in question.text and "<b>Weekend Relay</b>" in question.text
    assert question.params["reply_parameters"]["message_id"] == asked["message"]["message_id"]
    assert sorted(buttons(question)) == sorted(
        [("The Unity Run", f"run {unity_run.id}"), ("Weekend Relay", f"run {relay.id}")]
    )
    assert await two_runs.query(logs.last_of, unity_run.id, ASHA.id) is None  # nothing stored by asking

    calls = await two_runs.send(tap_answering(two_runs, ASHA, f"run {unity_run.id}", asked))
    again = await two_runs.send(tap_answering(two_runs, ASHA, f"run {unity_run.id}", asked))

    texts = [c.params.get("text", "") for c in calls]
    assert "👉 This chat is now about <b>The Unity Run</b>." in texts[1]
    assert "5 km" in texts[2] and "The Unity Run" in texts[2]
    assert [entry.metres for entry in [await two_runs.query(logs.last_of, unity_run.id, ASHA.id)]] == [5_000]
    assert (await two_runs.query(pledges.get, unity_run.id, ASHA.id)).logged_m == 5_000  # the second tap: once
    assert (await two_runs.query(pledges.get, relay.id, ASHA.id)).logged_m == 0

    assert any("5 km" in c.params.get("text", "") for c in again)
    # from now on her chat is about the Unity Run: no question
    assert "The Unity Run" in await two_runs.say(ASHA, "/mypledge")


async def test_runs_lists_a_persons_runs_and_a_tap_switches(two_runs):
    relay, unity_run = await run_named(two_runs, "weekend-relay"), await run_named(two_runs, "the-unity-run")
    await two_runs.send(two_runs.updates.callback(ASHA, f"pledge 5% {unity_run.id}", chat=FANS))
    await two_runs.say(ASHA, "/start weekend-relay")

    [listing] = await two_runs.send(two_runs.updates.text(ASHA, "/runs"))
    assert "👉 <b>Weekend Relay</b>" in listing.text and "• <b>The Unity Run</b>" in listing.text
    assert "This chat is about <b>Weekend Relay</b>" in listing.text
    assert ("✓ Weekend Relay", f"run {relay.id}") in buttons(listing)

    calls = await two_runs.send(two_runs.updates.callback(ASHA, f"run {unity_run.id}"))
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert "your pledge for The Unity Run" in await two_runs.say(ASHA, "/mypledge")


async def test_a_forged_or_unlisted_run_button_changes_nothing(two_runs):
    relay = await run_named(two_runs, "weekend-relay")
    await two_runs.say(CAPTAIN, "/unlist")
    before = await two_runs.query(runs.chat_run, RAVI.id)

    for data in ("run 999999", f"run {relay.id}", "run x", "run "):
        calls = await two_runs.send(two_runs.updates.callback(RAVI, data))
        assert calls[0].method == "answerCallbackQuery"
    assert await two_runs.query(runs.chat_run, RAVI.id) == before


async def test_a_group_follows_the_run_its_link_names_and_gets_only_its_news(two_runs):
    two_runs.api.admins[STRIDERS["id"]] = [CAPTAIN]
    two_runs.api.admins[FANS["id"]] = [RAVI]
    refused = await two_runs.say(ASHA, "/start@UnityRunBot weekend-relay", STRIDERS)  # not an admin
    hello = await two_runs.say(CAPTAIN, "/start@UnityRunBot weekend-relay", STRIDERS)
    await two_runs.say(RAVI, "/start@UnityRunBot the-unity-run", FANS)
    await two_runs.say(CAPTAIN, "/subscribe", STRIDERS)
    await two_runs.say(RAVI, "/subscribe", FANS)
    await two_runs.say(ASHA, "/start weekend-relay")
    await two_runs.say(ASHA, "/follow")

    await two_runs.say(RELAY_RUNNER, "/update 30 Great first leg")
    await two_runs.say(MILIND, "/update 24 Day one")
    news = await two_runs.deliver()

    assert "Only the administrators" in refused
    assert hello.startswith("👋 This group follows <b>Weekend Relay</b>")
    assert "<b>Weekend Relay</b>" in await two_runs.say(ASHA, "/progress", STRIDERS)
    assert "<b>The Unity Run</b>" in await two_runs.say(ASHA, "/progress", FANS)
    to_asha = [c.text for c in news if c.chat_id == ASHA.id]
    assert to_asha[0].startswith("🏃 <b>Sana</b> · Weekend Relay: +30 km (day 1)")
    assert all("Weekend Relay" in text and "Milind" not in text for text in to_asha)  # the update, its milestone
    relay = await run_named(two_runs, "weekend-relay")
    assert await two_runs.query(followers.of_run, relay.id) == [ASHA.id]


async def test_each_summary_goes_to_the_chats_of_its_run(two_runs):
    from tests.test_summaries import tick

    two_runs.api.admins[STRIDERS["id"]] = [CAPTAIN]
    two_runs.api.admins[FANS["id"]] = [RAVI]
    await two_runs.say(CAPTAIN, "/start@UnityRunBot weekend-relay", STRIDERS)
    await two_runs.say(RAVI, "/start@UnityRunBot the-unity-run", FANS)
    await two_runs.say(CAPTAIN, "/subscribe 21:00", STRIDERS)
    await two_runs.say(RAVI, "/subscribe 21:00", FANS)
    await two_runs.say(RELAY_RUNNER, "/update 30 Great first leg")

    sent = await tick(two_runs, two_runs.clock().replace(hour=15, minute=30))  # 21:00 in Mumbai
    again = await tick(two_runs, two_runs.clock().replace(hour=15, minute=31))

    by_chat = {c.chat_id: c.text for c in sent if c.chat_id in (STRIDERS["id"], FANS["id"])}
    assert "Weekend Relay" in by_chat[STRIDERS["id"]] and "Unity" not in by_chat[STRIDERS["id"]]
    assert "The Unity Run" in by_chat[FANS["id"]] and "Relay" not in by_chat[FANS["id"]]
    assert [c for c in again if c.chat_id in by_chat] == []


ORGANISER_COMMANDS = [
    "/setdistance 120",
    "/setend 2021-08-17",
    "/position hide",
    "/checkpoint Vikhroli | 20",
    "/unlist",
    "/list",
    "/invite lead",
    "/endrun",
]


@pytest.mark.parametrize("command", ORGANISER_COMMANDS)
async def test_an_organiser_of_one_run_can_do_nothing_to_another(two_runs, command):
    two_runs.api.admins[FANS["id"]] = [RAVI, CAPTAIN]
    await two_runs.say(RAVI, "/start@UnityRunBot the-unity-run", FANS)
    unity_before = await run_named(two_runs, "the-unity-run")

    in_unity_group = await two_runs.say(CAPTAIN, command, FANS)
    own = await two_runs.say(CAPTAIN, command)  # in private: about the relay, the one run Kiran organises

    if command.startswith("/invite"):
        assert in_unity_group.startswith("Send /invite to me in a private chat")
    else:
        assert in_unity_group == "Sorry, only the run&#x27;s organisers can do that."
    assert await run_named(two_runs, "the-unity-run") == unity_before
    assert "Weekend Relay" in own or "weekend-relay" in own or "Vikhroli" in own


async def test_the_operator_organising_two_runs_is_asked_which(two_runs):
    await two_runs.say(ORGANISER, "/runs")  # the operator's chat is about the relay (created last)
    unity_run = await run_named(two_runs, "the-unity-run")
    await two_runs.send(two_runs.updates.callback(ORGANISER, f"run {unity_run.id}"))
    assert "Distance of The Unity Run: 416 km → 420 km." in await two_runs.say(ORGANISER, "/setdistance 420")
    assert (await run_named(two_runs, "weekend-relay")).distance_m == 100_000


async def test_a_runner_in_two_runs_is_asked_and_a_file_picks_its_run_by_date(two_runs):
    from tests.activity_makers import gpx, run

    relay, unity_run = await run_named(two_runs, "weekend-relay"), await run_named(two_runs, "the-unity-run")
    await two_runs.say(MILIND, f"/start {await invite(two_runs, 'companion')}")  # the operator's chat: the relay
    await two_runs.query(lambda conn: conn.execute("DELETE FROM chat_runs WHERE chat_id = ?", (MILIND.id,)))

    asked = await two_runs.say(MILIND, "/update 5")
    two_runs.clock.advance(days=2)  # 17 Aug: the relay ended on the 16th; the Unity Run goes on
    walk = gpx([run(6_000, datetime(2021, 8, 17, 1, 0, tzinfo=UTC))])
    by_file = await two_runs.send_file(MILIND, "walk.gpx", walk)

    assert asked.startswith(QUESTION)
    assert "6 km" in by_file and "day 3" in by_file
    assert [e.update.metres for e in await two_runs.query(updates.of_day, unity_run.id, date(2021, 8, 17))] == [6_000]
    assert await two_runs.query(updates.of_day, relay.id, date(2021, 8, 17)) == []


async def test_anyone_may_create_runs_only_when_the_operator_says_so(tmp_path):
    from bot.demo.simulator import Clock, Simulator
    from tests.conftest import DAY1_MORNING

    async with Simulator(tmp_path / "a.db", admin_ids=frozenset({ORGANISER.id}), clock=Clock(DAY1_MORNING)) as closed:
        assert "only the bot&#x27;s operators" in await closed.say(CAPTAIN, RELAY)
        assert await closed.query(runs.latest) is None
    async with Simulator(
        tmp_path / "b.db", admin_ids=frozenset({ORGANISER.id}), clock=Clock(DAY1_MORNING), anyone_creates_runs=True
    ) as open_:
        assert "New run: <b>Weekend Relay</b>" in await open_.say(CAPTAIN, RELAY)
        assert "Invite for a lead runner of Weekend Relay" in await open_.say(CAPTAIN, "/invite lead")
        assert "Sorry, only the run&#x27;s organisers" in await open_.say(ASHA, "/setdistance 5")
