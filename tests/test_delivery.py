"""Keyed delivery in pages: each chat once, and a pass stopped mid-page leaves nothing sent twice."""

import asyncio
from datetime import date

import pytest

from bot.edge import delivery
from bot.edge.delivery import Outcome, Outgoing
from bot.services.chats import LogKey
from storage import deliveries

KEY = LogKey("summary", 1, date(2021, 8, 15))
CHATS = [-1001, -1002, -1003, -1004]


async def statuses(sim) -> list[str]:
    return [[d.status for d in await sim.query(deliveries.of_chat, chat)] for chat in CHATS]


async def test_a_chat_twice_in_a_keyed_delivery_gets_one_message(unity):
    messages = [Outgoing(chat, "Day 1") for chat in [*CHATS, CHATS[0]]]

    tally = await delivery.deliver(unity.app, messages, KEY)

    assert sorted(c.chat_id for c in unity.api.sent() if c.chat_id in CHATS) == sorted(CHATS)
    assert tally == {Outcome.SENT: 4}


async def test_a_pass_stopped_mid_page_leaves_the_unsent_to_the_next_and_never_sends_twice(unity, monkeypatch):
    real_send = delivery.send
    calls = []

    async def stopped_at_the_second(bot, message):
        calls.append(message.chat_id)
        if len(calls) == 2:
            raise asyncio.CancelledError  # the bot is stopping while this one is in flight
        return await real_send(bot, message)

    monkeypatch.setattr(delivery, "CONCURRENCY", 1)
    monkeypatch.setattr(delivery, "send", stopped_at_the_second)
    with pytest.raises(asyncio.CancelledError):
        await delivery.deliver(unity.app, [Outgoing(chat, "Day 1") for chat in CHATS], KEY)

    # sent; in flight (it may have gone out: never again); not started (free for the next pass)
    assert await statuses(unity) == [["sent"], ["sending"], ["retry"], ["retry"]]

    monkeypatch.setattr(delivery, "send", real_send)
    tally = await delivery.deliver(unity.app, [Outgoing(chat, "Day 1") for chat in CHATS], KEY)

    assert tally == {Outcome.SKIPPED: 2, Outcome.SENT: 2}
    assert sorted(c.chat_id for c in unity.api.sent() if c.chat_id in CHATS) == sorted([CHATS[0], CHATS[2], CHATS[3]])
    assert await statuses(unity) == [["sent"], ["sending"], ["sent"], ["sent"]]
