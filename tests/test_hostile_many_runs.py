"""Many runs, one bot, tried by a hostile user and a careless operator: deep links that are nearly a run's
slug, forged run and pledge buttons, taps on "which run?" by someone else or on a quoted message that is not a
command of this bot, a co-organiser of one run acting while their chat is about another, titles that make no
slug, people in two runs, a read-only database and a restart between the question and the tap. Each test says
what the user should see (the reply, the stored figure, nothing changed)."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, date, datetime
from html import escape

import pytest

from bot.demo.files import unity_route_gpx
from bot.demo.simulator import Call, Clock, Person, Simulator, group_chat
from storage import checkpoints, logs, pledges, positions, routes, runners, runs, updates
from tests.conftest import ANKITA, ASHA, DAY1_MORNING, MILIND, ORGANISER, RAVI, UNITY_RUN, invite

CAPTAIN = Person(4001, "Kiran", "Captain")  # co-organises the Weekend Relay only
RELAY_RUNNER = Person(4002, "Sana")
MALLORY = Person(6661, "Mallory")  # a stranger with a modified client
RELAY = "/newrun Weekend Relay | Powai | Powai | 100 | 2021-08-15 | 2021-08-16 | Asia/Kolkata"
STRIDERS = group_chat(-1005550001, "Powai Striders")
FANS = group_chat(-1005550002, "Unity fans")
QUESTION = "🤔 Which run do you mean?"
NOT_VALID = "This link is not valid"
SORRY = "Sorry, something went wrong on my side"
ANONYMOUS_ADMIN = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
CHANNEL_BOT = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
A_CHANNEL = {"id": -1009990001, "type": "channel", "title": "Spam channel"}


# --- helpers -----------------------------------------------------------------------------------------------


async def set_up_two_runs(sim: Simulator) -> Simulator:
    """The Unity Run (Milind lead, Ankita companion) and the Weekend Relay beside it: Kiran co-organises it,
    Sana runs it. 17:30 in Mumbai on day 1 of both."""
    await sim.say(ORGANISER, UNITY_RUN)
    await sim.say(MILIND, f"/start {await invite(sim, 'lead')}")
    await sim.say(ANKITA, f"/start {await invite(sim, 'companion')}")
    await sim.say(ORGANISER, RELAY)
    assert "You now organise" in await sim.say(CAPTAIN, f"/start {await invite(sim, 'organiser')}")
    reply = await sim.say(CAPTAIN, "/invite lead")
    await sim.say(RELAY_RUNNER, f"/start {reply.rsplit('start=', 1)[1].strip()}")
    sim.clock.advance(hours=11)
    return sim


@pytest.fixture
async def two_runs(sim):
    return await set_up_two_runs(sim)


async def run_named(sim: Simulator, slug: str) -> runs.Run:
    found = await sim.query(runs.by_slug, slug)
    assert found is not None, slug
    return found


async def both(sim: Simulator) -> tuple[runs.Run, runs.Run]:
    return await run_named(sim, "the-unity-run"), await run_named(sim, "weekend-relay")


def texts(calls: list[Call]) -> list[str]:
    return [c.text for c in calls if c.method in ("sendMessage", "sendPhoto", "editMessageText")]


def answers(calls: list[Call]) -> list[str | None]:
    return [c.params.get("text") for c in calls if c.method == "answerCallbackQuery"]


def buttons(call: Call) -> list[tuple[str, str]]:
    markup = call.params.get("reply_markup") or {"inline_keyboard": []}
    return [(b["text"], b["callback_data"]) for row in markup["inline_keyboard"] for b in row]


def the_question(calls: list[Call]) -> Call:
    [question] = [c for c in calls if c.method == "sendMessage" and c.text.startswith(QUESTION)]
    return question


def tap_answering(sim: Simulator, person: Person, data: str, asked: dict, chat: dict | None = None) -> dict:
    """A tap on a button under the bot's question, which quoted `asked`: Telegram puts that message in the tap's
    message as reply_to_message."""
    tap = sim.updates.callback(person, data, chat=chat)
    tap["callback_query"]["message"]["reply_to_message"] = asked["message"]
    return tap


def as_anonymous_admin(payload: dict, group: dict) -> dict:
    payload["message"]["sender_chat"] = group
    payload["message"]["from"] = ANONYMOUS_ADMIN
    return payload


def as_channel(payload: dict) -> dict:
    payload["message"]["sender_chat"] = A_CHANNEL
    payload["message"]["from"] = CHANNEL_BOT
    return payload


def _dump(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'inbox'")]
    return {name: sorted(map(tuple, conn.execute(f"SELECT * FROM {name}")), key=repr) for name in names}


async def everything(sim: Simulator) -> dict[str, list[tuple]]:
    """Every row the bot keeps (but the inbox of updates): to say nothing changed."""
    return await sim.query(_dump)


async def in_two_runs_as_supporter(sim: Simulator, person: Person) -> None:
    """`person` pledged to both runs from two groups' buttons: their private chat is about neither yet."""
    unity_run, relay = await both(sim)
    await sim.send(sim.updates.callback(person, f"pledge 5% {unity_run.id}", chat=FANS))
    await sim.send(sim.updates.callback(person, f"pledge 10% {relay.id}", chat=STRIDERS))
    assert await sim.query(runs.chat_run, person.id) is None


async def milind_in_two_runs(sim: Simulator) -> None:
    """Milind, the Unity Run's lead, also a companion of the relay; his private chat about neither."""
    token = await invite(sim, "companion")  # the operator's chat is about the relay (created last)
    assert "Weekend Relay" in await sim.say(MILIND, f"/start {token}")
    await sim.query(lambda conn: conn.execute("DELETE FROM chat_runs WHERE chat_id = ?", (MILIND.id,)))


# --- deep links --------------------------------------------------------------------------------------------

NEAR_SLUGS = [
    "weekend-rela",
    "weekend_relay",
    "weekend--relay",
    "-weekend-relay",
    "weekend-relay-",
    "weekend-relay" + "x" * 51,  # 64 characters, all a deep link allows
    "a" * 64,
    "वीकेंड-रिले",
    "weekend-relay\u200b",
    "ｗｅｅｋｅｎｄ-ｒｅｌａｙ",  # fullwidth letters
    "../weekend-relay",
    "..%2Fweekend-relay",
    "'OR'1'='1",
    "weekend-relay';--",
    "%",
    "_",
    "1",
]


@pytest.mark.parametrize("payload", NEAR_SLUGS)
async def test_a_deep_link_that_is_nearly_a_slug_opens_nothing(two_runs, payload):
    before = await everything(two_runs)

    reply = await two_runs.say(RAVI, f"/start {payload}")

    assert reply.startswith(NOT_VALID)
    assert await everything(two_runs) == before


@pytest.mark.parametrize("payload", ["Weekend-Relay", "WEEKEND-RELAY"])
async def test_a_slug_typed_in_capitals_opens_its_run(two_runs, payload):
    """A slug read aloud or copied from a poster is typed as it looks; invite tokens stay case-sensitive."""
    relay = await run_named(two_runs, "weekend-relay")

    reply = await two_runs.say(RAVI, f"/start {payload}")

    assert reply.startswith("👋 Welcome to <b>Weekend Relay</b>")
    assert (await two_runs.query(runs.chat_run, RAVI.id)) == relay


async def test_an_invite_of_an_ended_run_is_refused(two_runs):
    token = await invite(two_runs, "lead")  # the operator's chat: the relay
    await two_runs.say(CAPTAIN, "/endrun")
    relay = await run_named(two_runs, "weekend-relay")
    assert relay.ended_at is not None

    reply = await two_runs.say(RAVI, f"/start {token}")

    assert reply == "This invite is for a run that is over. Ask the organiser for a new one."
    assert await two_runs.query(runners.get, relay.id, RAVI.id) is None
    assert await two_runs.query(runs.chat_run, RAVI.id) is None


async def test_an_organiser_invite_works_once(two_runs):
    relay = await run_named(two_runs, "weekend-relay")
    token = await invite(two_runs, "organiser")

    first = await two_runs.say(RAVI, f"/start {token}")
    again = await two_runs.say(RAVI, f"/start {token}")
    second = await two_runs.say(ASHA, f"/start {token}")

    assert first.startswith("🤝 Welcome! You now organise <b>Weekend Relay</b>")
    assert again == "You organise Weekend Relay already."
    assert second == "This invite link was used already. Ask the organiser for a new one."
    assert await two_runs.query(runs.is_organiser, relay.id, RAVI.id)
    assert not await two_runs.query(runs.is_organiser, relay.id, ASHA.id)
    assert "Sorry, only the run&#x27;s organisers" in await two_runs.say(ASHA, "/setdistance 5")


async def test_an_organiser_invite_opened_by_an_organiser_is_kept_for_the_one_it_was_meant_for(two_runs):
    relay = await run_named(two_runs, "weekend-relay")
    token = await invite(two_runs, "organiser")

    assert await two_runs.say(CAPTAIN, f"/start {token}") == "You organise Weekend Relay already."
    assert (await two_runs.say(RAVI, f"/start {token}")).startswith("🤝 Welcome! You now organise")
    assert await two_runs.query(runs.is_organiser, relay.id, RAVI.id)


async def test_an_expired_organiser_invite_is_refused(two_runs):
    relay = await run_named(two_runs, "weekend-relay")
    token = await invite(two_runs, "organiser")
    two_runs.clock.advance(days=7, seconds=1)

    reply = await two_runs.say(RAVI, f"/start {token}")

    assert reply == "This invite link has expired (they last 7 days). Ask the organiser for a new one."
    assert not await two_runs.query(runs.is_organiser, relay.id, RAVI.id)


async def test_a_start_for_another_bot_in_a_group_is_left_alone(two_runs):
    two_runs.api.admins[STRIDERS["id"]] = [CAPTAIN]

    calls = await two_runs.send(two_runs.updates.text(CAPTAIN, "/start@OtherBot weekend-relay", STRIDERS))

    assert [c.method for c in calls] == []
    assert await two_runs.query(runs.chat_run, STRIDERS["id"]) is None


async def test_an_anonymous_admin_chooses_the_groups_run_with_its_link(two_runs):
    relay = await run_named(two_runs, "weekend-relay")
    two_runs.api.admins[STRIDERS["id"]] = [CAPTAIN]
    payload = as_anonymous_admin(two_runs.updates.text(CAPTAIN, "/start@UnityRunBot weekend-relay", STRIDERS), STRIDERS)

    reply = texts(await two_runs.send(payload))

    assert reply[0].startswith("👋 This group follows <b>Weekend Relay</b>")
    assert await two_runs.query(runs.chat_run, STRIDERS["id"]) == relay
    assert await two_runs.query(runs.of_member, ANONYMOUS_ADMIN["id"]) == []  # the placeholder joins nothing


async def test_a_channel_writing_in_a_group_cannot_choose_its_run(two_runs):
    two_runs.api.admins[STRIDERS["id"]] = [CAPTAIN]
    payload = as_channel(two_runs.updates.text(CAPTAIN, "/start@UnityRunBot weekend-relay", STRIDERS))

    reply = texts(await two_runs.send(payload))

    assert reply == ["Only the administrators of this group can choose the run this group follows."]
    assert await two_runs.query(runs.chat_run, STRIDERS["id"]) is None


async def test_a_non_admin_cannot_move_a_group_to_another_run_by_link_or_button(two_runs):
    unity_run, relay = await both(two_runs)
    two_runs.api.admins[FANS["id"]] = [RAVI]
    await two_runs.say(RAVI, "/start@UnityRunBot the-unity-run", FANS)

    by_link = await two_runs.say(MALLORY, "/start@UnityRunBot weekend-relay", FANS)
    by_button = await two_runs.send(two_runs.updates.callback(MALLORY, f"run {relay.id}", chat=FANS))
    by_question = await two_runs.send(
        tap_answering(two_runs, MALLORY, f"run {relay.id}", two_runs.updates.text(ASHA, "/log 5", FANS), FANS)
    )

    assert by_link == "Only the administrators of this group can choose the run this group follows."
    assert answers(by_button) == ["Only the administrators of this group can change the run this group follows."]
    assert [c.method for c in by_button] == ["answerCallbackQuery"]
    assert [c.method for c in by_question] == ["answerCallbackQuery"]  # Asha's /log is not answered either
    assert await two_runs.query(runs.chat_run, FANS["id"]) == unity_run
    assert await two_runs.query(logs.last_of, relay.id, ASHA.id) is None
    assert await two_runs.query(logs.last_of, unity_run.id, ASHA.id) is None


async def test_the_link_of_an_ended_run_says_it_has_ended(two_runs):
    await two_runs.say(CAPTAIN, "/endrun")

    reply = await two_runs.say(RAVI, "/start weekend-relay")

    assert "Weekend Relay" in reply
    assert "ended" in reply  # not "/pledge commits you to a share of it": pledges are closed
    assert "/pledge commits you" not in reply


async def test_start_without_a_link_does_not_say_there_is_no_run_when_there_are_two(two_runs):
    reply = await two_runs.say(RAVI, "/start")

    assert "There is no run yet" not in reply
    assert "/runs" in reply


# --- run buttons -------------------------------------------------------------------------------------------

FORGED_RUN_DATA = [
    "run 999999999999999999",
    "run 9999999999999999999",
    "run 0",
    "run -1",
    "run 1 2",
    "run 1.0",
    "run  1",
    "run 1\n",
    "run ",
    "run x",
    "run",
    "RUN 1",
    "run 0x1",
]


@pytest.mark.parametrize("data", FORGED_RUN_DATA)
async def test_a_forged_run_button_is_answered_and_changes_nothing(two_runs, data):
    before = await everything(two_runs)

    calls = await two_runs.send(two_runs.updates.callback(MALLORY, data))

    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert answers(calls)[0] in ("This button no longer works.", "That run is no longer here.")
    assert await everything(two_runs) == before


async def test_an_unlisted_run_cannot_be_chosen_for_a_group_by_a_forged_button(two_runs):
    relay = await run_named(two_runs, "weekend-relay")
    await two_runs.say(CAPTAIN, "/unlist")
    before = await everything(two_runs)

    calls = await two_runs.send(two_runs.updates.callback(MALLORY, f"run {relay.id}", chat=FANS))

    assert answers(calls) == ["That run is no longer here."]
    assert await everything(two_runs) == before


async def test_a_member_of_an_unlisted_run_may_choose_it(two_runs):
    relay = await run_named(two_runs, "weekend-relay")
    await two_runs.say(CAPTAIN, "/unlist")
    await two_runs.say(RELAY_RUNNER, "/runs")

    calls = await two_runs.send(two_runs.updates.callback(RELAY_RUNNER, f"run {relay.id}"))

    assert texts(calls) == [
        "👉 This chat is now about <b>Weekend Relay</b>. /progress, /pledge, /log and the rest are about it."
    ]


async def test_a_tap_on_the_question_by_someone_else_does_not_answer_the_askers_command(two_runs):
    """The operator (who organises both runs) sends /endrun in a group that follows no run: the bot asks which.
    A group member taps a run first: the group may follow it, but the operator's /endrun is theirs to answer."""
    unity_run, _ = await both(two_runs)
    asked = two_runs.updates.text(ORGANISER, "/endrun", FANS)
    the_question(await two_runs.send(asked))

    await two_runs.send(tap_answering(two_runs, MALLORY, f"run {unity_run.id}", asked, FANS))

    assert (await run_named(two_runs, "the-unity-run")).ended_at is None
    assert (await run_named(two_runs, "weekend-relay")).ended_at is None


async def test_a_tap_whose_quoted_message_is_a_forward_logs_nothing(two_runs):
    unity_run, _ = await both(two_runs)
    await in_two_runs_as_supporter(two_runs, ASHA)
    forwarded = two_runs.updates.text(ASHA, "/log 42")
    forwarded["message"]["forward_origin"] = {"type": "user", "sender_user": RAVI.as_user(), "date": 1629000000}

    await two_runs.send(tap_answering(two_runs, ASHA, f"run {unity_run.id}", forwarded))

    assert await two_runs.query(logs.last_of, unity_run.id, ASHA.id) is None


async def test_a_tap_whose_quoted_message_became_a_command_for_another_bot_logs_nothing(two_runs):
    """Asha's /log 5 is asked about; she edits it to /log@OtherBot 50 before she taps: Telegram quotes the
    message as it is now, a command for another bot."""
    unity_run, _ = await both(two_runs)
    await in_two_runs_as_supporter(two_runs, ASHA)
    asked = two_runs.updates.text(ASHA, "/log 5")
    the_question(await two_runs.send(asked))
    edited = two_runs.updates.edit(asked, text="/log@OtherBot 50")
    assert [c.method for c in await two_runs.send(edited)] == []
    now = {"update_id": 0, "message": edited["edited_message"]}

    await two_runs.send(tap_answering(two_runs, ASHA, f"run {unity_run.id}", now))

    assert await two_runs.query(logs.last_of, unity_run.id, ASHA.id) is None


async def test_a_tap_whose_quoted_message_is_a_document_in_a_group_only_chooses(two_runs):
    unity_run, _ = await both(two_runs)
    document = two_runs.updates.document(ASHA, "walk.gpx", "doc-group", file_size=100, chat=FANS)
    before = await everything(two_runs)

    calls = await two_runs.send(tap_answering(two_runs, ASHA, f"run {unity_run.id}", document, FANS))

    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert await two_runs.query(runs.chat_run, FANS["id"]) == unity_run
    after = await everything(two_runs)
    assert {k: v for k, v in after.items() if k != "chat_runs"} == {k: v for k, v in before.items() if k != "chat_runs"}


async def test_the_question_answered_for_one_run_then_the_other_never_claims_the_second(two_runs):
    """Asha taps The Unity Run (her 5 km are logged there), then, on the same question, the Weekend Relay:
    the log stays where it is, and the reply says where that is."""
    unity_run, relay = await both(two_runs)
    await in_two_runs_as_supporter(two_runs, ASHA)
    asked = two_runs.updates.text(ASHA, "/log 5 Evening walk")
    the_question(await two_runs.send(asked))
    await two_runs.send(tap_answering(two_runs, ASHA, f"run {unity_run.id}", asked))

    calls = await two_runs.send(tap_answering(two_runs, ASHA, f"run {relay.id}", asked))

    logged = [t for t in texts(calls) if "5 km" in t]
    assert logged, texts(calls)
    assert all("The Unity Run" in t and "Weekend Relay" not in t for t in logged), logged
    assert (await two_runs.query(pledges.get, unity_run.id, ASHA.id)).logged_m == 5_000
    assert (await two_runs.query(pledges.get, relay.id, ASHA.id)).logged_m == 0


async def test_an_update_answered_for_one_run_then_the_other_never_claims_the_second(two_runs):
    unity_run, relay = await both(two_runs)
    await milind_in_two_runs(two_runs)
    asked = two_runs.updates.text(MILIND, "/update 5 Dawn leg")
    the_question(await two_runs.send(asked))
    await two_runs.send(tap_answering(two_runs, MILIND, f"run {unity_run.id}", asked))

    calls = await two_runs.send(tap_answering(two_runs, MILIND, f"run {relay.id}", asked))

    posted = [t for t in texts(calls) if "5 km" in t]
    assert posted, texts(calls)
    assert all("The Unity Run" in t and "Weekend Relay" not in t for t in posted), posted
    assert [e.update.metres for e in await two_runs.query(updates.of_day, unity_run.id, date(2021, 8, 15))] == [5_000]
    assert await two_runs.query(updates.of_day, relay.id, date(2021, 8, 15)) == []


async def test_the_question_answered_with_a_run_that_ended_since_logs_nothing(two_runs):
    _, relay = await both(two_runs)
    await in_two_runs_as_supporter(two_runs, ASHA)
    asked = two_runs.updates.text(ASHA, "/log 5")
    the_question(await two_runs.send(asked))
    await two_runs.say(CAPTAIN, "/endrun")

    calls = await two_runs.send(tap_answering(two_runs, ASHA, f"run {relay.id}", asked))

    assert any(t.startswith("Weekend Relay has ended") for t in texts(calls)), texts(calls)
    assert await two_runs.query(logs.last_of, relay.id, ASHA.id) is None


# --- pledge buttons ----------------------------------------------------------------------------------------


async def test_a_pledge_button_forged_for_a_run_that_does_not_exist_pledges_nothing(two_runs):
    before = await everything(two_runs)

    calls = await two_runs.send(two_runs.updates.callback(MALLORY, "pledge 25% 999999"))

    assert texts(calls) == ["That run is no longer here."]
    assert await everything(two_runs) == before


async def test_a_pledge_button_of_an_ended_run_pledges_nothing(two_runs):
    _, relay = await both(two_runs)
    await two_runs.say(CAPTAIN, "/endrun")
    before = await everything(two_runs)

    calls = await two_runs.send(two_runs.updates.callback(MALLORY, f"pledge 5% {relay.id}"))

    [reply] = texts(calls)
    assert reply.startswith("Weekend Relay has ended")
    assert await everything(two_runs) == before


async def test_a_pledge_button_forged_with_an_unlisted_runs_id_pledges_nothing(two_runs):
    """An unlisted run is reached by its link: a stranger guessing its id in a forged button neither joins it
    nor learns its title."""
    _, relay = await both(two_runs)
    await two_runs.say(CAPTAIN, "/unlist")

    calls = await two_runs.send(two_runs.updates.callback(MALLORY, f"pledge 5% {relay.id}"))

    assert await two_runs.query(pledges.get, relay.id, MALLORY.id) is None
    assert await two_runs.query(runs.of_member, MALLORY.id) == []
    assert all("Weekend Relay" not in t for t in texts(calls)), texts(calls)


async def test_a_pledge_button_with_another_listed_runs_id_pledges_to_the_run_it_names(two_runs):
    unity_run, relay = await both(two_runs)
    await two_runs.say(ASHA, "/start the-unity-run")

    calls = await two_runs.send(two_runs.updates.callback(ASHA, f"pledge 10% {relay.id}"))

    assert "of Weekend Relay (100 km)" in texts(calls)[0]
    assert (await two_runs.query(pledges.get, relay.id, ASHA.id)).pledged_m == 10_000
    assert await two_runs.query(pledges.get, unity_run.id, ASHA.id) is None


async def test_a_pledge_button_tapped_twice_pledges_once(two_runs):
    unity_run, _ = await both(two_runs)

    first = await two_runs.send(two_runs.updates.callback(ASHA, f"pledge 5% {unity_run.id}"))
    second = await two_runs.send(two_runs.updates.callback(ASHA, f"pledge 5% {unity_run.id}"))

    assert texts(first)[0].startswith("🤝 Thank you, Asha! You pledged <b>20.8 km</b>")
    assert texts(second)[0].startswith("🤝 Asha, your pledge stays <b>20.8 km</b>")
    assert (await two_runs.query(pledges.get, unity_run.id, ASHA.id)).pledged_m == 20_800


async def test_a_pledge_button_of_the_previous_version_asks_which_run_with_buttons(two_runs):
    """A `pledge 5%` button sent before runs had ids, tapped by someone in two runs: the question needs its
    buttons, or at least the way to answer it."""
    await in_two_runs_as_supporter(two_runs, ASHA)

    calls = await two_runs.send(two_runs.updates.callback(ASHA, "pledge 5%"))

    [reply] = [c for c in calls if c.method == "sendMessage"]
    assert reply.text.startswith(QUESTION) or "/runs" in reply.text, reply.text
    assert buttons(reply) or "/runs" in reply.text


# --- organisers --------------------------------------------------------------------------------------------

CO_ORGANISER_COMMANDS = [
    "/setdistance 120",
    "/setend 2021-08-17",
    "/position hide",
    "/checkpoint Vikhroli | 20",
    "/unlist",
    "/list",
    "/invite lead",
    "/invite organiser",
    "/endrun",
]


async def unity_as_it_stands(sim: Simulator) -> tuple:
    unity_run = await run_named(sim, "the-unity-run")

    def read(conn: sqlite3.Connection) -> tuple:
        invited = conn.execute("SELECT count(*) FROM invites WHERE run_id = ?", (unity_run.id,)).fetchone()[0]
        organisers = conn.execute("SELECT user_id FROM organisers WHERE run_id = ?", (unity_run.id,)).fetchall()
        return (
            checkpoints.of_run(conn, unity_run.id),
            routes.length_of(conn, unity_run.id),
            invited,
            sorted(tuple(r) for r in organisers),
        )

    return unity_run, await sim.query(read)


@pytest.mark.parametrize("how", ["link", "runs"])
@pytest.mark.parametrize("command", CO_ORGANISER_COMMANDS)
async def test_a_co_organiser_whose_chat_is_about_another_run_changes_nothing_of_it(two_runs, command, how):
    unity_run = await run_named(two_runs, "the-unity-run")
    if how == "link":
        await two_runs.say(CAPTAIN, "/start the-unity-run")
    else:
        await two_runs.send(two_runs.updates.callback(CAPTAIN, f"run {unity_run.id}"))
    assert await two_runs.query(runs.chat_run, CAPTAIN.id) == unity_run
    before = await unity_as_it_stands(two_runs)

    await two_runs.say(CAPTAIN, command)

    assert await unity_as_it_stands(two_runs) == before


async def test_a_co_organiser_whose_chat_is_about_another_run_sends_a_route_that_changes_nothing_of_it(two_runs):
    await two_runs.say(CAPTAIN, "/start the-unity-run")
    before = await unity_as_it_stands(two_runs)

    await two_runs.send_file(CAPTAIN, "unity.gpx", unity_route_gpx(), caption="/route")

    assert await unity_as_it_stands(two_runs) == before


async def test_endrun_in_a_chat_about_another_run_does_not_end_the_run_the_chat_is_not_about(two_runs):
    """Kiran's chat is about the Unity Run (he follows it); he sends /endrun. He may not end it, and the bot must
    not end the relay instead without asking: closing a run cannot be undone."""
    await two_runs.say(CAPTAIN, "/start the-unity-run")

    reply = await two_runs.say(CAPTAIN, "/endrun")

    assert (await run_named(two_runs, "weekend-relay")).ended_at is None, reply
    assert (await run_named(two_runs, "the-unity-run")).ended_at is None


async def test_the_operator_acts_on_the_run_their_chat_is_about(two_runs):
    await two_runs.say(ORGANISER, "/start the-unity-run")
    assert await two_runs.say(ORGANISER, "/setdistance 420") == "Distance of The Unity Run: 416 km → 420 km."
    await two_runs.say(ORGANISER, "/start weekend-relay")
    assert (
        await two_runs.say(ORGANISER, "/setend 2021-08-17") == "End date of Weekend Relay: 16 Aug 2021 → 17 Aug 2021."
    )

    unity_run, relay = await both(two_runs)
    assert (unity_run.distance_m, unity_run.end_date) == (420_000, date(2021, 8, 22))
    assert (relay.distance_m, relay.end_date) == (100_000, date(2021, 8, 17))


async def test_the_operator_acts_on_any_run_in_a_group_that_follows_it(two_runs):
    two_runs.api.admins[FANS["id"]] = [RAVI]
    await two_runs.say(RAVI, "/start@UnityRunBot the-unity-run", FANS)

    reply = await two_runs.say(ORGANISER, "/setdistance 421", FANS)

    assert reply == "Distance of The Unity Run: 416 km → 421 km."
    assert (await run_named(two_runs, "weekend-relay")).distance_m == 100_000


@pytest.mark.parametrize("chat", [None, FANS])
async def test_newrun_by_someone_who_is_not_an_operator_is_refused(two_runs, chat):
    before = await everything(two_runs)

    reply = await two_runs.say(CAPTAIN, "/newrun Rogue Run | A | B | 10 | 2021-08-15 | 2021-08-16", chat)

    assert reply == "Sorry, only the bot&#x27;s operators can start a run here."
    assert await everything(two_runs) == before


# --- slugs from titles -------------------------------------------------------------------------------------


def newrun(title: str) -> str:
    return f"/newrun {title} | Mumbai | Pune | 150 | 2021-08-15 | 2021-08-20 | Asia/Kolkata"


def slug_in(reply: str) -> str:
    found = re.search(r"\?start=([A-Za-z0-9_-]+)", reply)
    assert found, reply
    return found[1]


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("एकता दौड़", "run-2"),
        ("🏃‍♀️🔥🏁", "run-2"),
        ("!!! ??? ... ---", "run-2"),
        ("5K", "run-2"),
        ("🏃 Run 4 Fun 🔥", "run-4-fun"),
        ("São Paulo à Rio", "sao-paulo-a-rio"),
        ("The Unity Run", "the-unity-run-2"),
        ("the unity run!", "the-unity-run-2"),
        ("<b>Bold</b> & Brave", "b-bold-b-brave"),
    ],
)
async def test_a_titles_slug_is_shown_and_opens_its_run(sim, title, slug):
    await sim.say(ORGANISER, UNITY_RUN)

    created = await sim.say(ORGANISER, newrun(title))
    welcome = await sim.say(RAVI, f"/start {slug_in(created)}")

    assert created.startswith("🏁 New run:")
    assert slug_in(created) == slug
    assert f"Add me to a group for it: https://t.me/UnityRunBot?startgroup={slug}" in created
    assert welcome.startswith(f"👋 Welcome to <b>{escape(title)}</b>")
    assert (await sim.query(runs.chat_run, RAVI.id)).title == title


async def test_the_same_title_three_times_gets_three_slugs(sim):
    slugs = [slug_in(await sim.say(ORGANISER, newrun("Coastal Walk"))) for _ in range(3)]
    assert slugs == ["coastal-walk", "coastal-walk-2", "coastal-walk-3"]


async def test_a_title_that_looks_like_another_runs_number_never_takes_its_slug(sim):
    """A run titled "Run 3" takes run-3; the third run, in Devanagari, would be run-3 too."""
    await sim.say(ORGANISER, UNITY_RUN)
    numbered = slug_in(await sim.say(ORGANISER, newrun("Run 3")))
    hindi = slug_in(await sim.say(ORGANISER, newrun("एकता दौड़")))

    assert numbered == "run-3" and hindi != numbered
    assert (await sim.say(RAVI, f"/start {hindi}")).startswith("👋 Welcome to <b>एकता दौड़</b>")
    assert (await sim.say(ASHA, f"/start {numbered}")).startswith("👋 Welcome to <b>Run 3</b>")


async def test_a_long_title_gets_a_short_slug_that_works(sim):
    title = "The Extraordinarily Long Monsoon Coastal Ultramarathon Relay " + "x" * 39  # 100 characters
    assert len(title) == 100
    created = await sim.say(ORGANISER, newrun(title))
    again = await sim.say(ORGANISER, newrun(title))

    first, second = slug_in(created), slug_in(again)
    assert len(first) <= 32 and len(second) <= 32 and first != second
    assert (await sim.say(RAVI, f"/start {second}")).startswith("👋 Welcome to <b>The Extraordinarily Long")
    assert (await sim.query(runs.chat_run, RAVI.id)).slug == second


async def test_a_word_longer_than_a_slug_is_cut_and_still_numbered_apart(sim):
    title = "Supercalifragilisticexpialidociousmarathon"  # one word of 42 letters
    slugs = [slug_in(await sim.say(ORGANISER, newrun(title))) for _ in range(2)]
    assert [len(s) <= 32 for s in slugs] == [True, True] and slugs[0] != slugs[1]
    for slug in slugs:
        assert (await sim.say(RAVI, f"/start {slug}")).startswith(f"👋 Welcome to <b>{title}</b>")


async def test_a_200_character_title_is_refused_and_nothing_is_made(sim):
    reply = await sim.say(ORGANISER, newrun("A" * 200))

    assert "longer than 100 characters" in reply
    assert await sim.query(runs.latest) is None


# --- a runner in two runs ----------------------------------------------------------------------------------


async def test_an_update_with_no_chosen_run_asks_and_the_tap_posts_it_there(two_runs):
    unity_run, relay = await both(two_runs)
    await milind_in_two_runs(two_runs)
    asked = two_runs.updates.text(MILIND, "/update 5 Dawn leg")

    question = the_question(await two_runs.send(asked))
    assert sorted(buttons(question)) == sorted(
        [("The Unity Run", f"run {unity_run.id}"), ("Weekend Relay", f"run {relay.id}")]
    )
    assert await two_runs.query(updates.of_day, unity_run.id, date(2021, 8, 15)) == []
    calls = await two_runs.send(tap_answering(two_runs, MILIND, f"run {relay.id}", asked))

    assert any(t.startswith("✅ Posted <b>5 km</b> for day 1 · Weekend Relay") for t in texts(calls)), texts(calls)
    assert [e.update.metres for e in await two_runs.query(updates.of_day, relay.id, date(2021, 8, 15))] == [5_000]
    assert await two_runs.query(updates.of_day, unity_run.id, date(2021, 8, 15)) == []


async def test_an_edited_update_stays_in_its_run_after_the_chat_switched(two_runs):
    unity_run, relay = await both(two_runs)
    await milind_in_two_runs(two_runs)
    await two_runs.say(MILIND, "/start the-unity-run")
    first = two_runs.updates.text(MILIND, "/update 5")
    assert "The Unity Run" in texts(await two_runs.send(first))[0]
    await two_runs.send(two_runs.updates.callback(MILIND, f"run {relay.id}"))
    assert await two_runs.query(runs.chat_run, MILIND.id) == relay

    two_runs.clock.advance(minutes=5)
    calls = await two_runs.send(two_runs.updates.edit(first, text="/update 7"))

    assert texts(calls)[0].startswith("✏️ Corrected: 5 km → <b>7 km</b> · The Unity Run")
    assert [e.update.metres for e in await two_runs.query(updates.of_day, unity_run.id, date(2021, 8, 15))] == [7_000]
    assert await two_runs.query(updates.of_day, relay.id, date(2021, 8, 15)) == []


@pytest.mark.parametrize("command", ["/update 5", "/log 5"])
async def test_a_message_edited_before_the_tap_is_not_asked_again_without_buttons(two_runs, command):
    """Milind's message was asked about; he corrects its figure before he taps. A second "which run?" without
    buttons cannot be answered: the edit either asks again with them, or leaves the first question to answer."""
    await milind_in_two_runs(two_runs)
    await in_two_runs_as_supporter(two_runs, MILIND)
    asked = two_runs.updates.text(MILIND, command)
    the_question(await two_runs.send(asked))

    calls = await two_runs.send(two_runs.updates.edit(asked, text=command.replace("5", "6")))

    unanswerable = [c.text for c in calls if c.method == "sendMessage" and "Which run" in c.text and not buttons(c)]
    assert unanswerable == []


async def test_a_location_from_a_runner_in_two_runs_is_asked_about_and_saved_after_the_tap(two_runs):
    unity_run, relay = await both(two_runs)
    await milind_in_two_runs(two_runs)
    shared = two_runs.updates.location(MILIND, 19.2, 72.9)

    the_question(await two_runs.send(shared))
    calls = await two_runs.send(tap_answering(two_runs, MILIND, f"run {unity_run.id}", shared))

    assert "📍 Position saved for The Unity Run." in texts(calls), texts(calls)
    assert (await two_runs.query(positions.latest, unity_run.id)) is not None
    assert (await two_runs.query(positions.latest, relay.id)) is None


async def test_an_activity_file_of_a_runner_in_two_runs_names_the_run_it_counted_for(two_runs):
    """Both runs are on day 1: the file's date fits both, so the bot asks; the tap posts the file there, and
    the reply says where."""
    from tests.activity_makers import gpx, run

    unity_run, relay = await both(two_runs)
    await milind_in_two_runs(two_runs)
    two_runs.api.files["walk-1"] = walk = gpx([run(6_000, datetime(2021, 8, 15, 11, 0, tzinfo=UTC))])
    sent = two_runs.updates.document(MILIND, "walk.gpx", "walk-1", file_size=len(walk))

    the_question(await two_runs.send(sent))
    calls = await two_runs.send(tap_answering(two_runs, MILIND, f"run {unity_run.id}", sent))

    posted = [t for t in texts(calls) if "6 km" in t]
    assert posted, texts(calls)
    assert "The Unity Run" in posted[0], posted[0]
    assert [e.update.metres for e in await two_runs.query(updates.of_day, unity_run.id, date(2021, 8, 15))] == [6_000]
    assert await two_runs.query(updates.of_day, relay.id, date(2021, 8, 15)) == []


# --- a supporter in two runs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/log 3", "✅ Logged <b>3 km</b> for 15 Aug 2021 · Weekend Relay"),
        ("/mypledge", "🤝 <b>Asha</b>, your pledge for Weekend Relay"),
        ("/progress", "<b>Weekend Relay</b>: Powai → Powai"),
        ("/today", "<b>Weekend Relay</b>: Powai → Powai"),
        ("/supporters", "🤝 <b>Supporters of Weekend Relay</b>"),
        ("/pledge 10", "of Weekend Relay (100 km)"),
    ],
)
async def test_a_supporter_in_two_runs_is_asked_and_the_answer_names_the_run(two_runs, command, expected):
    unity_run, relay = await both(two_runs)
    await in_two_runs_as_supporter(two_runs, ASHA)
    asked = two_runs.updates.text(ASHA, command)

    question = the_question(await two_runs.send(asked))
    calls = await two_runs.send(tap_answering(two_runs, ASHA, f"run {relay.id}", asked))

    assert question.params["reply_parameters"]["message_id"] == asked["message"]["message_id"]
    assert any(expected in t for t in texts(calls)), texts(calls)
    assert (await two_runs.query(pledges.get, unity_run.id, ASHA.id)).logged_m == 0


async def test_undo_of_a_supporter_in_two_runs_asks_and_removes_from_the_chosen_run_only(two_runs):
    unity_run, relay = await both(two_runs)
    await in_two_runs_as_supporter(two_runs, ASHA)
    await two_runs.say(ASHA, "/start the-unity-run")
    await two_runs.say(ASHA, "/log 2")
    await two_runs.say(ASHA, "/start weekend-relay")
    await two_runs.say(ASHA, "/log 3")
    await two_runs.query(lambda conn: conn.execute("DELETE FROM chat_runs WHERE chat_id = ?", (ASHA.id,)))
    asked = two_runs.updates.text(ASHA, "/undo")

    the_question(await two_runs.send(asked))
    calls = await two_runs.send(tap_answering(two_runs, ASHA, f"run {unity_run.id}", asked))

    assert any(t.startswith("↩️ Removed your log of 2 km (15 Aug 2021) from The Unity Run.") for t in texts(calls))
    assert (await two_runs.query(pledges.get, unity_run.id, ASHA.id)).logged_m == 0
    assert (await two_runs.query(pledges.get, relay.id, ASHA.id)).logged_m == 3_000


EVERY_REPLY = [
    "/progress",
    "/today",
    "/pledge 5%",
    "/log 2",
    "/mypledge",
    "/supporters",
    "/checkpoints",
    "/follow",
    "/unfollow",
    "/subscribe 21:00",
]


@pytest.mark.parametrize("command", EVERY_REPLY)
async def test_every_reply_to_a_supporter_in_two_runs_names_the_run(two_runs, command):
    await in_two_runs_as_supporter(two_runs, ASHA)
    await two_runs.say(ASHA, "/start weekend-relay")

    reply = await two_runs.say(ASHA, command)

    assert "Weekend Relay" in reply, reply
    assert "Unity" not in reply, reply


@pytest.mark.parametrize("command", ["/update 3", "/undo"])
async def test_every_reply_to_a_runner_in_two_runs_names_the_run(two_runs, command):
    await milind_in_two_runs(two_runs)
    await two_runs.say(MILIND, "/start the-unity-run")
    if command == "/undo":
        await two_runs.say(MILIND, "/update 4")

    reply = await two_runs.say(MILIND, command)

    assert "The Unity Run" in reply and "Relay" not in reply, reply


@pytest.mark.parametrize(
    "command",
    [
        "/checkpoint Vikhroli | 20",
        "/setdistance 420",
        "/setend 2021-08-23",
        "/position coarse",
        "/unlist",
        "/invite lead",
    ],
)
async def test_every_reply_to_an_organiser_of_two_runs_names_the_run(two_runs, command):
    await two_runs.say(ORGANISER, "/start the-unity-run")
    if command.startswith("/checkpoint"):
        await two_runs.say(ORGANISER, "/checkpoint Thane | 30")

    reply = await two_runs.say(ORGANISER, command)

    assert "The Unity Run" in reply and "Relay" not in reply, reply


async def test_a_route_sent_by_an_organiser_of_two_runs_names_the_run(two_runs):
    await two_runs.say(ORGANISER, "/start the-unity-run")

    reply = await two_runs.send_file(ORGANISER, "unity.gpx", unity_route_gpx(), caption="/route")

    assert reply.startswith("🗺 The route of The Unity Run is")
    assert "The Unity Run" in reply, reply


# --- a careless operator -----------------------------------------------------------------------------------


async def set_read_only(sim: Simulator, on: bool) -> None:
    """The database as if its file had become read-only under the running bot (a full disk, a bad mount)."""
    await sim.db.conn.execute(f"PRAGMA query_only = {'ON' if on else 'OFF'}")


async def test_a_read_only_database_still_answers_reads_and_apologises_for_writes(two_runs):
    unity_run, _ = await both(two_runs)
    await two_runs.say(ASHA, "/start the-unity-run")
    before = await everything(two_runs)
    await set_read_only(two_runs, True)
    try:
        progress = await two_runs.say(ASHA, "/progress")
        log = await two_runs.say(ASHA, "/log 5")
        pledge = await two_runs.send(two_runs.updates.callback(ASHA, f"pledge 5% {unity_run.id}"))
    finally:
        await set_read_only(two_runs, False)

    assert "<b>The Unity Run</b>: Mumbai → Statue of Unity" in progress
    assert log.startswith(SORRY)
    assert any(t.startswith(SORRY) for t in texts(pledge))
    assert await everything(two_runs) == before
    assert "5 km" in await two_runs.say(ASHA, "/log 5")


async def test_a_run_button_tapped_while_the_database_is_read_only_stops_spinning(two_runs):
    """The tap is answered (Telegram shows the spinner until it is), with the apology, and nothing changes."""
    _, relay = await both(two_runs)
    await set_read_only(two_runs, True)
    try:
        calls = await two_runs.send(two_runs.updates.callback(ASHA, f"run {relay.id}"))
    finally:
        await set_read_only(two_runs, False)

    assert "answerCallbackQuery" in [c.method for c in calls], [(c.method, c.text) for c in calls]
    assert await two_runs.query(runs.chat_run, ASHA.id) is None


async def test_the_question_is_answered_after_a_restart(tmp_path):
    path, clock = tmp_path / "bot.db", Clock(DAY1_MORNING)
    async with Simulator(path, admin_ids=frozenset({ORGANISER.id}), clock=clock) as before:
        await set_up_two_runs(before)
        await in_two_runs_as_supporter(before, ASHA)
        asked = before.updates.text(ASHA, "/log 5 Before the restart")
        the_question(await before.send(asked))
        made = before.updates  # Telegram's update and message ids go on after a restart

    clock.advance(minutes=30)
    async with Simulator(path, admin_ids=frozenset({ORGANISER.id}), clock=clock) as after:
        after.updates = made
        unity_run, relay = await both(after)
        calls = await after.send(tap_answering(after, ASHA, f"run {unity_run.id}", asked))

        assert any(t.startswith("✅ Logged <b>5 km</b> for 15 Aug 2021 · The Unity Run") for t in texts(calls))
        assert (await after.query(pledges.get, unity_run.id, ASHA.id)).logged_m == 5_000
        assert (await after.query(pledges.get, relay.id, ASHA.id)).logged_m == 0
