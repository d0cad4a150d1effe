"""ChatOrder: updates of one chat (or user) run one after another in the order submitted, other chats at
once, and nothing is kept once they are done."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.demo.simulator import Clock, Person, Updates, group_chat
from bot.edge.concurrency import ChatOrder

ASHA, RAVI = Person(3001, "Asha"), Person(3002, "Ravi")
CLUB = group_chat(-100_1, "Club")


def update(person: Person, chat: dict | None = None) -> Update:
    payload = Updates(Clock()).text(person, "/progress", chat)
    return Update.de_json(payload, None)


async def test_a_later_update_of_a_chat_waits_for_every_earlier_one_still_running():
    order = ChatOrder()
    log: list[str] = []
    gates = {name: asyncio.Event() for name in "abc"}

    async def work(name: str) -> None:
        log.append(f"{name} starts")
        await gates[name].wait()
        log.append(f"{name} ends")

    a = order.submit(update(ASHA, CLUB), work("a"))
    b = order.submit(update(RAVI, CLUB), work("b"))  # same group, another person: after a
    gates["a"].set()
    await a
    c = order.submit(update(ASHA, CLUB), work("c"))  # a is done, b still runs: c waits for b
    await asyncio.sleep(0.01)
    assert "c starts" not in log
    gates["b"].set()
    gates["c"].set()
    await asyncio.gather(b, c)
    assert log == ["a starts", "a ends", "b starts", "b ends", "c starts", "c ends"]


async def test_other_chats_go_ahead_while_one_waits():
    order = ChatOrder()
    gate = asyncio.Event()
    log: list[str] = []

    async def slow() -> None:
        await gate.wait()
        log.append("group")

    async def quick() -> None:
        log.append("private")

    waiting = order.submit(update(RAVI, CLUB), slow())
    await order.submit(update(ASHA), quick())
    assert log == ["private"]
    gate.set()
    await waiting
    assert log == ["private", "group"]


async def test_nothing_is_kept_once_the_updates_are_done():
    order = ChatOrder()

    async def nothing() -> None:
        pass

    await asyncio.gather(*(order.submit(update(p, c), nothing()) for p in (ASHA, RAVI) for c in (CLUB, None)))
    assert order._last == {}
