"""Only a person runs or pledges; forwards are nobody's commands; a closed run is frozen; every tap is answered."""

from __future__ import annotations

from datetime import date

import pytest

from bot.demo.simulator import Person, group_chat
from bot.edge.handlers.common import ANONYMOUS_ADMIN, CHANNEL_BOT
from bot.edge.handlers.guards import STALE_BUTTON
from storage import logs, pledges, positions, runners, runs, subscriptions, updates
from tests.conftest import ASHA, MILIND, ORGANISER, UNITY_RUN, invite

FANS = group_chat(-100500, "Unity Run Fans")
CHANNEL = {"id": -100900, "type": "channel", "title": "Unity Run News"}
ANONYMOUS = Person(ANONYMOUS_ADMIN, "Group")
CHANNEL_SENDER = Person(CHANNEL_BOT, "Channel")
ASK_AS_YOURSELF = "Please write as yourself"


def as_group(payload: dict) -> dict:
    """The message as an anonymous administrator sends it: from GroupAnonymousBot, sender_chat the group."""
    message = payload["message"]
    message["from"] = {"id": ANONYMOUS_ADMIN, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
    message["sender_chat"] = message["chat"]
    return payload


def as_channel(payload: dict) -> dict:
    """The message as a user sends it on behalf of a channel (sender_chat the channel)."""
    message = payload["message"]
    message["from"] = {"id": CHANNEL_BOT, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}
    message["sender_chat"] = CHANNEL
    return payload


def forwarded(payload: dict, automatic: bool = False) -> dict:
    message = payload.get("message") or payload["edited_message"]
    if automatic:  # a channel post that Telegram copied into the channel's discussion group
        message["is_automatic_forward"] = True
        message["sender_chat"] = CHANNEL
        message["from"] = {"id": CHANNEL_BOT, "is_bot": True, "first_name": "Channel"}
        message["forward_origin"] = {"type": "channel", "date": message["date"], "chat": CHANNEL, "message_id": 7}
    else:
        origin = {"type": "user", "date": message["date"] - 60, "sender_user": MILIND.as_user()}
        message["forward_origin"] = origin
    return payload


def texts(calls) -> list[str]:
    return [c.text for c in calls if c.method == "sendMessage"]


async def stored(sim) -> tuple:
    run = await sim.query(runs.latest)
    return (
        [(t.runner.name, t.metres) for t in await sim.query(runners.totals, run.id)],
        await sim.query(pledges.totals, run.id),
        await sim.query(logs.last_of, run.id, ANONYMOUS_ADMIN),
        await sim.query(positions.latest, run.id),
    )


# --- 5. Only a person runs or pledges -------------------------------------------------------------


@pytest.mark.parametrize("sender", [as_group, as_channel])
@pytest.mark.parametrize("command", ["/update 24", "/log 5", "/pledge 10%", "/mypledge", "/undo", "/hideme", "/quiet"])
async def test_a_group_or_channel_writing_as_itself_is_asked_to_write_as_a_person(unity, sender, command):
    unity.clock.advance(hours=11)
    before = await stored(unity)
    calls = await unity.send(sender(unity.updates.text(ASHA, command, FANS)))
    assert ASK_AS_YOURSELF in texts(calls)[0]
    assert await stored(unity) == before


@pytest.mark.parametrize("sender", [as_group, as_channel])
async def test_an_invite_cannot_be_used_by_a_group_or_a_channel(sim, sender):
    await sim.say(ORGANISER, UNITY_RUN)
    token = await invite(sim, "lead")
    calls = await sim.send(sender(sim.updates.text(ASHA, f"/start {token}", FANS)))
    assert ASK_AS_YOURSELF in texts(calls)[0]
    run = await sim.query(runs.latest)
    assert await sim.query(runners.totals, run.id) == []
    assert "Welcome" in await sim.say(MILIND, f"/start {token}")  # the invite is still unused


async def test_a_photo_update_on_behalf_of_a_channel_is_refused(unity):
    unity.clock.advance(hours=11)
    calls = await unity.send(as_channel(unity.updates.photo(MILIND, "/update 24 Flyovers", chat=FANS)))
    assert ASK_AS_YOURSELF in texts(calls)[0]
    assert (await stored(unity))[0] == [("Milind Soman", 0), ("Ankita Konwar", 0)]


async def test_a_location_from_a_group_or_a_forward_is_not_the_runners_position(unity):
    payload = unity.updates.location(MILIND, 21.0, 72.9)
    payload["message"]["chat"] = FANS
    assert await unity.send(as_group(payload)) == []
    assert await unity.send(forwarded(unity.updates.location(MILIND, 21.1, 72.8))) == []
    run = await unity.query(runs.latest)
    assert await unity.query(positions.latest, run.id) is None
    assert "Position saved" in texts(await unity.send(unity.updates.location(MILIND, 21.2, 72.7)))[0]


async def test_an_invite_link_is_never_shown_in_a_group(unity):
    for payload in (
        unity.updates.text(ORGANISER, "/invite lead", FANS),
        as_group(unity.updates.text(ORGANISER, "/invite lead", FANS)),
        unity.updates.text(ORGANISER, "/invite@UnityRunBot companion", FANS),
    ):
        calls = await unity.send(payload)
        assert all("start=" not in c.text for c in calls), calls
        assert all(c.chat_id != FANS["id"] or "t.me/" not in c.text for c in calls)


# --- Forwards are nobody's commands ---------------------------------------------------------------


@pytest.mark.parametrize("automatic", [False, True])
@pytest.mark.parametrize(
    "command", ["/update 24", "/log 5", "/pledge 10%", "/subscribe 21:00", "/undo", "/endrun", "/follow"]
)
async def test_a_forwarded_command_does_nothing(unity, automatic, command):
    unity.clock.advance(hours=11)
    await unity.say(MILIND, "/update 10")  # something /undo could remove
    sender = ORGANISER if command == "/endrun" else MILIND
    chat = FANS if automatic else None
    before = await stored(unity), await unity.query(subscriptions.zones)
    calls = await unity.send(forwarded(unity.updates.text(sender, command, chat), automatic))
    assert calls == []
    assert (await stored(unity), await unity.query(subscriptions.zones)) == before
    assert (await unity.query(runs.latest)).ended_at is None


async def test_an_edit_of_a_forwarded_update_does_nothing(unity):
    unity.clock.advance(hours=11)
    original = forwarded(unity.updates.text(MILIND, "/update 24"))
    await unity.send(original)
    edit = unity.updates.edit(original, text="/update 30")
    assert edit["edited_message"]["forward_origin"]  # the edit of a forward is a forward too
    assert await unity.send(edit) == []
    run = await unity.query(runs.latest)
    assert await unity.query(updates.of_day, run.id, date(2021, 8, 15)) == []


async def test_a_forwarded_photo_with_an_update_caption_does_nothing(unity):
    unity.clock.advance(hours=11)
    assert await unity.send(forwarded(unity.updates.photo(MILIND, "/update 24"))) == []
    assert (await stored(unity))[0] == [("Milind Soman", 0), ("Ankita Konwar", 0)]


# --- 6. A closed run is frozen --------------------------------------------------------------------


async def test_after_endrun_updates_and_logs_can_be_neither_undone_nor_edited(unity):
    unity.clock.advance(hours=11)
    update = unity.updates.text(MILIND, "/update 24")
    log = unity.updates.text(ASHA, "/log 5")
    await unity.send(update)
    await unity.send(log)
    await unity.say(ORGANISER, "/endrun")
    before = await stored(unity), await unity.query(pledges.get, 1, ASHA.id)

    assert "has ended" in await unity.say(MILIND, "/undo")
    assert "has ended" in await unity.say(ASHA, "/undo")
    assert "has ended" in texts(await unity.send(unity.updates.edit(update, text="/update 50")))[0]
    assert "has ended" in texts(await unity.send(unity.updates.edit(log, text="/log 9")))[0]
    assert "has ended" in await unity.say(MILIND, "/update 3")
    assert "has ended" in await unity.say(ASHA, "/log 3")
    assert (await stored(unity), await unity.query(pledges.get, 1, ASHA.id)) == before


async def test_an_edit_of_an_update_or_log_of_an_earlier_run_never_rewrites_it(unity):
    unity.clock.advance(hours=11)
    update = unity.updates.text(MILIND, "/update 24")
    log = unity.updates.text(ASHA, "/log 5")
    await unity.send(update)
    await unity.send(log)
    old = await unity.query(runs.latest)
    await unity.say(ORGANISER, "/endrun")
    await unity.say(ORGANISER, UNITY_RUN.replace("The Unity Run", "The Second Run"))
    await unity.say(MILIND, f"/start {await invite(unity, 'lead')}")

    # an edit changes what the message made, in its own run, which has ended: never the new run
    assert "The Unity Run has ended" in texts(await unity.send(unity.updates.edit(update, text="/update 50")))[0]
    assert "The Unity Run has ended" in texts(await unity.send(unity.updates.edit(log, text="/log 9")))[0]
    [entry] = await unity.query(updates.of_day, old.id, date(2021, 8, 15))
    assert entry.update.metres == 24_000
    assert (await unity.query(logs.last_of, old.id, ASHA.id)).metres == 5_000
    new = await unity.query(runs.latest)
    assert await unity.query(updates.of_day, new.id, date(2021, 8, 15)) == []


# --- 8. Every tap is answered ---------------------------------------------------------------------


@pytest.mark.parametrize("data", ["", "pledge 99%", "pledge", "nonsense", "pledge 5%; DROP TABLE", "x" * 64, "🙂"])
async def test_an_unknown_empty_or_forged_button_is_answered_and_changes_nothing(unity, data):
    before = await stored(unity), await unity.query(pledges.get, 1, ASHA.id)
    calls = await unity.send(unity.updates.callback(ASHA, data, chat=FANS))
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params.get("text") == STALE_BUTTON
    assert (await stored(unity), await unity.query(pledges.get, 1, ASHA.id)) == before


async def test_a_button_without_data_is_answered(unity):
    payload = unity.updates.callback(ASHA, "pledge 5%")
    del payload["callback_query"]["data"]
    payload["callback_query"]["game_short_name"] = "race"
    calls = await unity.send(payload)
    assert [c.method for c in calls] == ["answerCallbackQuery"]


# --- An edit never turns one kind of message into another -----------------------------------------


async def test_an_update_edited_into_a_log_is_not_counted_twice(unity):
    unity.clock.advance(hours=11)
    original = unity.updates.text(MILIND, "/update 24")
    await unity.send(original)
    calls = await unity.send(unity.updates.edit(original, text="/log 24"))
    assert "it stays one" in texts(calls)[0]
    run = await unity.query(runs.latest)
    assert await unity.query(logs.last_of, run.id, MILIND.id) is None
    assert (await stored(unity))[0] == [("Milind Soman", 24_000), ("Ankita Konwar", 0)]


async def test_a_log_edited_into_an_update_is_not_counted_twice(unity):
    unity.clock.advance(hours=11)
    original = unity.updates.text(MILIND, "/log 5")
    await unity.send(original)
    calls = await unity.send(unity.updates.edit(original, text="/update 30"))
    assert "it stays one" in texts(calls)[0]
    assert (await stored(unity))[0] == [("Milind Soman", 0), ("Ankita Konwar", 0)]
