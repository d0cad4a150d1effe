"""A group's reply, picture or card arrives even when the command it answers was deleted before it: every
reply allows Telegram to send it without its quote."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from bot.demo.simulator import error, group_chat
from tests.conftest import ASHA, MILIND, RAVI
from tests.test_summaries import ist

FANS = group_chat(-1009876543210, "Unity Run fans")
PNG = b"\x89PNG"


class DeletedCommands:
    """Telegram, when the message a reply quotes was deleted: the reply is refused unless it may go without."""

    def __init__(self) -> None:
        self.lost: list[str] = []  # the texts Telegram refused

    def __call__(self, method: str, params: dict[str, Any]) -> tuple[int, Any] | None:
        quoted = params.get("reply_parameters")
        if isinstance(quoted, str):
            quoted = json.loads(quoted)
        if method.startswith("send") and quoted and not quoted.get("allow_sending_without_reply"):
            self.lost.append(params.get("text") or params.get("caption") or method)
            return error(400, "Bad Request: message to be replied not found")
        return None


async def test_the_group_gets_its_reply_picture_and_card_when_the_command_was_deleted(unity):
    unity.clock.now = ist(15, 8, 0)
    await unity.say(MILIND, "/update 24 Day one")
    await unity.say(ASHA, "/pledge 5", FANS)
    unity.api.responder = telegram = DeletedCommands()

    progress = await unity.say(RAVI, "/progress", FANS)
    chart = await unity.send(unity.updates.text(RAVI, "/chart", FANS))
    reached = await unity.say(ASHA, "/log 5", FANS)
    for _ in range(1500):  # the card is drawn while the bot goes on: wait for it (15 s at most)
        cards = [c for c in unity.api.sent(FANS["id"]) if c.method == "sendPhoto" and c.text.startswith("🏅")]
        if cards:
            break
        await asyncio.sleep(0.01)
    refused = await unity.say(RAVI, "/log -5", FANS)

    assert telegram.lost == []
    assert progress.startswith("<b>The Unity Run</b>") and "24 km" in progress
    [picture] = [c for c in chart if c.method == "sendPhoto"]
    assert picture.text.startswith("📈 <b>The Unity Run</b>") and picture.uploads["photo"].startswith(PNG)
    assert "🎉 Asha, you reached your pledge of 5 km!" in reached
    assert cards[0].text == "🏅 Asha: 5 km for The Unity Run" and cards[0].uploads["photo"].startswith(PNG)
    assert refused and "went wrong" not in refused  # the answer to bad input too
    quoted = [c for c in unity.api.calls if c.method.startswith("send") and c.params.get("reply_parameters")]
    assert len(quoted) >= 5  # they were replies (quoting the command), each allowed to go without it
