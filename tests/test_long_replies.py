"""Replies, summaries and follower messages built from hostile text stay Telegram HTML within its limits."""

from __future__ import annotations

from bot.demo.simulator import Person, group_chat
from bot.edge.jobs import SUMMARIES
from tests.conftest import ASHA, ORGANISER, invite
from tests.telegram_html import CAPTION_LIMIT, MESSAGE_LIMIT, check_message

FANS = group_chat(-100800, "Fans")
RUNNERS = [Person(7000 + n, f"<i>Runner</i> & {n} " + "𝓡" * 40) for n in range(12)]
ASTRAL_NOTE = "🏃" * 3000  # 2 UTF-16 units each: 6000 units


def check_all(calls) -> int:
    checked = 0
    for call in calls:
        if call.method == "sendMessage":
            check_message(call.text, MESSAGE_LIMIT)
            checked += 1
        elif call.method == "sendPhoto" and call.text:  # a summary's chart goes without its caption when
            check_message(call.text, CAPTION_LIMIT)  # the text is too long for one; the text follows it
            checked += 1
    return checked


async def test_long_astral_notes_from_many_runners_fit_every_message(unity):
    await unity.say(ORGANISER, "/endrun")  # the Unity Run's group and supporters now mean the new run
    await unity.say(ORGANISER, "/newrun <b>Big</b> & <i>bold</i> | <a> | </b> | 416 | 2021-08-15 | 2021-08-22")
    for runner in RUNNERS:
        await unity.say(runner, f"/start {await invite(unity, 'lead')}")
    unity.api.admins[FANS["id"]] = [ASHA]
    await unity.say(ASHA, "/subscribe 21:00", FANS)
    await unity.say(ASHA, "/follow")
    unity.clock.advance(hours=11)
    calls = []
    for runner in RUNNERS:
        calls += await unity.send(unity.updates.text(runner, f"/update 20 {ASTRAL_NOTE}"))
        calls += await unity.send(unity.updates.photo(runner, f"/update 1 {ASTRAL_NOTE}"))
    calls += await unity.send(unity.updates.text(ASHA, "/today"))
    calls += await unity.send(unity.updates.text(ASHA, "/progress"))
    calls += await unity.deliver()
    unity.clock.advance(hours=5)  # 21:30 in Mumbai
    calls += await unity.run_jobs(SUMMARIES)
    assert check_all(calls) >= 2 * len(RUNNERS) + 3
