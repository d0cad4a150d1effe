"""Every role-restricted command refuses other users and changes nothing; /help follows the role."""

import pytest

from bot.demo.simulator import group_chat
from storage import invites, runners, runs
from tests.conftest import ASHA, MILIND, ORGANISER, UNITY_RUN

ORGANISER_COMMANDS = [
    UNITY_RUN.replace("The Unity Run", "Hijacked"),
    "/setdistance 1",
    "/setend 2021-08-16",
    "/endrun",
    "/invite lead",
]


async def snapshot(sim):
    def read(conn):
        run = runs.latest(conn)
        (invite_count,) = conn.execute("SELECT COUNT(*) FROM invites").fetchone()
        return run, runners.totals(conn, run.id), invite_count

    return await sim.db.read(read)


@pytest.mark.parametrize("command", ORGANISER_COMMANDS)
@pytest.mark.parametrize("who", [ASHA, MILIND], ids=["supporter", "runner"])
async def test_organiser_commands_refuse_everyone_else(unity, command, who):
    before = await snapshot(unity)
    reply = await unity.say(who, command)
    if command.startswith("/newrun"):
        assert reply == "Sorry, only the bot&#x27;s operators can start a run here."
    else:
        assert reply == "Sorry, only the run&#x27;s organisers can do that."
    assert await snapshot(unity) == before


@pytest.mark.parametrize("command", ["/update 24"])
async def test_runner_commands_refuse_supporters(unity, command):
    unity.clock.advance(hours=11)
    before = await snapshot(unity)
    assert "Only the runners of The Unity Run" in await unity.say(ASHA, command)
    assert await snapshot(unity) == before


async def test_organiser_refusal_in_a_group(unity):
    fans = group_chat(-1001234567890, "Unity Run fans")
    calls = await unity.send(unity.updates.text(ASHA, "/endrun@UnityRunBot", fans))
    assert [(c.chat_id, c.text) for c in calls] == [(fans["id"], "Sorry, only the run&#x27;s organisers can do that.")]
    assert (await unity.query(runs.latest)).ended_at is None


async def test_help_lists_the_commands_of_each_role(unity):
    supporter = await unity.say(ASHA, "/help")
    runner = await unity.say(MILIND, "/help")
    organiser = await unity.say(ORGANISER, "/help")
    assert "/progress" in supporter and "/update" not in supporter and "/newrun" not in supporter
    assert "/update" in runner and "/undo" in runner and "/newrun" not in runner
    assert "/newrun" in organiser and "/invite" in organiser and "/update" not in organiser


async def test_start_explains_the_bot_and_the_current_run(unity):
    reply = await unity.say(ASHA, "/start")
    assert "Now following <b>The Unity Run</b>: Mumbai → Statue of Unity, 416 km, 15 Aug 2021 to 22 Aug 2021" in reply
    assert "/today" in reply


async def test_invite_tokens_are_one_time_and_stored(unity):
    reply = await unity.say(ORGANISER, "/invite lead")
    token = reply.rsplit("start=", 1)[1]
    found = await unity.query(invites.get, token)
    assert (found.role, found.used_by) == ("lead", None)
