"""Many chats at once, through the real polling loop, with Telegram's limits and a slow Bot API.

burst: 1,000 /progress and 200 /log from 1,200 distinct users, half in 40 groups and half in private
chats, arrive at once; every Bot API call is answered after 50 ms; the production rate limiter is on.
It measures how long the bot takes to answer them all against the time Telegram's limits alone
require (30 messages a second overall, 20 a minute per group), and each update's time to reply.

bystander: 200 commands flood one group (whose replies Telegram lets out at 20 a minute) while
private /progress commands arrive, one every 50 ms: their time to reply.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.ext import AIORateLimiter
from telegram.request import RequestData

from bench.data import SUPPORTER_BASE, TODAY, cached_db, working_copy
from bot.demo.simulator import Clock, FakeBotAPI, Params, Person, Simulator, group_chat
from bot.edge import polling

LATENCY = 0.05  # seconds the fake Bot API takes to answer each call
OVERALL_PER_S, GROUP_PER_MIN = 30, 20  # Telegram's limits for a bot's messages
GROUPS = 40
ORGANISER_ID = 1001


class SlowTelegram(FakeBotAPI):
    """The Bot API with a delay on every answer; getUpdates long-polls a queue fed by `arrive`."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock=clock)
        self.queued: list[Params] = []
        self.arrived, self.replied = asyncio.Event(), asyncio.Event()
        self.replied_at: dict[int, float] = {}  # the chat's last reply: monotonic seconds
        self.replies: Counter[int] = Counter()  # replies (text messages) per chat
        self.messages_to: Counter[int] = Counter()  # every message per chat, photos included
        self.reply_times: list[tuple[int, float]] = []  # (chat id, when)
        self.arrival_log: dict[int, float] = {}  # chat id -> when its latest update arrived

    def arrive(self, updates: Sequence[Params]) -> None:
        now = time.monotonic()
        for update in updates:
            self.arrival_log[update["message"]["chat"]["id"]] = now  # a private chat's id is its user's
        self.queued.extend(updates)
        self.arrived.set()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        if api_method == "getUpdates":
            return 200, json.dumps({"ok": True, "result": await self._updates(params)}).encode()
        await asyncio.sleep(LATENCY)
        if api_method == "sendPhoto":  # a supporter who completes a pledge gets a card too: it counts in the floor
            self.messages_to[int(str(params["chat_id"]))] += 1
        if api_method == "sendMessage":  # a reply
            chat_id = int(str(params["chat_id"]))
            self.messages_to[chat_id] += 1
            self.replies[chat_id] += 1
            self.reply_times.append((chat_id, time.monotonic()))
            self.replied.set()
        return await super().do_request(url, method, request_data)

    async def _updates(self, params: dict[str, Any]) -> list[Params]:
        offset, timeout = int(params.get("offset") or 0), float(params.get("timeout") or 0)
        self.queued = [u for u in self.queued if u["update_id"] >= offset]
        if not self.queued:
            self.arrived.clear()
            try:
                await asyncio.wait_for(self.arrived.wait(), min(timeout, 0.2))
            except TimeoutError:
                return []
        return self.queued[:100]

    def calls_log_off(self) -> None:
        self.calls = _NoList()


class _NoList(list[Any]):
    """The fake's call log, kept empty: a burst makes thousands of calls."""

    def append(self, _: Any) -> None:
        pass


def floor_seconds(chats: Counter[int]) -> float:
    """The time Telegram's limits alone need for one message to each of these chats (and counts)."""
    overall = sum(chats.values()) / OVERALL_PER_S
    groups = [max(n - GROUP_PER_MIN, 0) * 60 / GROUP_PER_MIN for chat, n in chats.items() if chat < 0]
    return max([overall, *groups])


async def _bot(folder: Path, name: str, clock: Clock, api: SlowTelegram) -> Simulator:
    source, _ = await cached_db(1000)
    database = working_copy(source, folder, f"{name}.db")
    return Simulator(
        database, frozenset({ORGANISER_ID}), clock=clock, api=api, rate_limiter=AIORateLimiter(max_retries=3)
    )


async def _poll_until(sim: Simulator, api: SlowTelegram, arrivals: list[tuple[float, list[Params]]],
                      done: Callable[[], bool]) -> float:  # fmt: skip
    """Run the polling loop, feed each (delay, updates) in turn, until `done()`; the seconds it took.
    Updates still waiting then (a flooded group's, on its limit) are cancelled, not waited for."""
    stop = asyncio.Event()
    started = time.monotonic()
    poller = asyncio.create_task(polling.poll(sim.app, stop, poll_timeout=1))
    for delay, updates in arrivals:
        await asyncio.sleep(delay)
        api.arrive(updates)
    while not done():
        api.replied.clear()
        await api.replied.wait()
    took = time.monotonic() - started
    grace, polling.SHUTDOWN_GRACE = polling.SHUTDOWN_GRACE, 0.1
    try:
        stop.set()
        await poller
    finally:
        polling.SHUTDOWN_GRACE = grace
    return took


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def burst(folder: Path, progress_n: int = 1000, log_n: int = 200) -> dict[str, Any]:
    clock = Clock(TODAY)
    api = SlowTelegram(clock)
    async with await _bot(folder, "burst", clock, api) as sim:
        api.calls_log_off()
        groups = [group_chat(-1_001_000_000 - g, f"Club {g}") for g in range(GROUPS)]
        updates: list[Params] = []
        for i in range(progress_n + log_n):
            person = Person(SUPPORTER_BASE + 1 + i, f"Fan{i}")
            chat = groups[(i // 2) % GROUPS] if i % 2 else None  # half in private chats, half over all 40 groups
            updates.append(sim.updates.text(person, "/log 2.5" if i < log_n else "/progress", chat))
        started = time.monotonic()
        drain = await _poll_until(sim, api, [(0.0, updates)], lambda: sum(api.replies.values()) >= len(updates))
        per_reply = [at - started for _, at in api.reply_times]
        floor = floor_seconds(api.messages_to)  # the messages the bot had sent by then: every reply, and the cards
        return {
            "updates": len(updates),
            "messages": sum(api.messages_to.values()),
            "groups": GROUPS,
            "api_latency_s": LATENCY,
            "drain_s": round(drain, 2),
            "floor_s": round(floor, 2),
            "ratio": round(drain / floor, 3),
            "p50_s": round(statistics.median(per_reply), 2),
            "p99_s": round(_percentile(per_reply, 0.99), 2),
            "all_good": sum(api.replies.values()) == len(updates),
        }


async def bystander(folder: Path, flood_n: int = 200, private_n: int = 100) -> dict[str, Any]:
    clock = Clock(TODAY)
    api = SlowTelegram(clock)
    async with await _bot(folder, "bystander", clock, api) as sim:
        api.calls_log_off()
        flooded = group_chat(-1_002_000_000, "Flooded club")
        flood = [
            sim.updates.text(Person(SUPPORTER_BASE + 1 + i, f"F{i}"), "/progress", flooded) for i in range(flood_n)
        ]
        people = [Person(SUPPORTER_BASE + 5000 + i, f"B{i}") for i in range(private_n)]
        arrivals = [(0.0, flood)] + [(0.05, [sim.updates.text(p, "/progress")]) for p in people]
        api.arrival_log = {}
        await _poll_until(sim, api, arrivals, lambda: all(api.replies[p.id] for p in people))
        first_reply: dict[int, float] = {}
        for chat_id, at in api.reply_times:
            first_reply.setdefault(chat_id, at)
        waits = [first_reply[p.id] - api.arrival_log[p.id] for p in people]
        return {
            "flood": flood_n,
            "private": private_n,
            "flood_replied_meanwhile": api.replies[flooded["id"]],
            "bystander_p50_s": round(statistics.median(waits), 3),
            "bystander_p99_s": round(_percentile(waits, 0.99), 3),
            "all_good": len(waits) == private_n,
        }
