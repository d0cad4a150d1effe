"""The Unity Run's day 1 through the real application: the figures the issue asks for."""

from bot.demo.simulator import group_chat
from tests.conftest import ANKITA, ASHA, MILIND


async def test_day1_progress_counts_the_lead_and_shows_the_companion_beside(unity):
    unity.clock.advance(hours=11)  # 17:30 in Mumbai
    await unity.say(MILIND, "/update 24 Day one done")
    await unity.say(ANKITA, "/update 28 16 flyovers!")

    reply = await unity.say(ASHA, "/progress")

    assert "<b>24 km</b> of 416 km · 5.8%" in reply
    assert "392 km to go" in reply
    assert "Day 1 of 8" in reply
    assert "Ankita Konwar 28 km (companion, not added)" in reply
    assert "52 km" not in reply.split("Behind")[0]  # 24 + 28 is never shown as the route


async def test_progress_in_a_group_addressed_to_the_bot(unity):
    fans = group_chat(-1001234567890, "Unity Run fans")
    calls = await unity.send(unity.updates.text(ASHA, "/progress@UnityRunBot", fans))
    assert [c.chat_id for c in calls if c.method == "sendMessage"] == [fans["id"]]
    assert "0 km" in calls[0].text or "of 416 km" in calls[0].text


async def test_command_for_another_bot_is_ignored(unity):
    fans = group_chat(-1001234567890, "Unity Run fans")
    assert await unity.send(unity.updates.text(ASHA, "/progress@OtherBot", fans)) == []
