"""Polling confirms an update only after it was handled; a crash after a write does not repeat it."""

import asyncio

import pytest

from bot import polling
from bot.handlers import dedup
from bot.simulator import Clock, Simulator, error
from storage import handled
from storage.db import Database
from tests.conftest import ASHA, DAY1_MORNING, MILIND, ORGANISER, RAVI, UNITY_RUN, invite
from tests.test_runner_updates import totals


class Telegram:
    """getUpdates as Telegram answers it: the queued updates from `offset` on."""

    def __init__(self, sim: Simulator, queued: list[dict], stop: asyncio.Event) -> None:
        self.queued, self.stop, self.failures = queued, stop, 0
        sim.api.responder = self

    def __call__(self, method: str, params: dict):
        if method != "getUpdates":
            return None
        if self.failures:
            self.failures -= 1
            return error(502, "Bad Gateway")
        offset = params.get("offset") or 0
        if offset > self.queued[-1]["update_id"]:
            self.stop.set()  # all confirmed: the test is over
        return 200, {"ok": True, "result": [u for u in self.queued if u["update_id"] >= offset]}


def polls_and_replies(sim: Simulator) -> list[tuple[str, int | None]]:
    return [
        (c.method, c.params.get("offset") if c.method == "getUpdates" else c.chat_id)
        for c in sim.api.calls
        if c.method in ("getUpdates", "sendMessage")
    ]


async def test_the_offset_moves_past_an_update_only_after_it_was_handled(sim):
    queued = [sim.updates.text(ASHA, "/progress"), sim.updates.text(RAVI, "/progress")]
    stop = asyncio.Event()
    Telegram(sim, queued, stop)
    await polling.poll(sim.app, stop, poll_timeout=0)
    after = queued[-1]["update_id"] + 1
    assert polls_and_replies(sim) == [
        ("getUpdates", None),
        ("sendMessage", ASHA.id),
        ("sendMessage", RAVI.id),
        ("getUpdates", after),  # confirms both, after both were answered
        ("getUpdates", after),  # on stopping
    ]


async def test_a_stop_finishes_the_update_in_hand_and_confirms_only_it(sim):
    queued = [sim.updates.text(ASHA, "/progress"), sim.updates.text(RAVI, "/progress")]
    stop = asyncio.Event()
    telegram = Telegram(sim, queued, stop)
    sim.api.responder = lambda method, params: stop.set() if method == "sendMessage" else telegram(method, params)
    await polling.poll(sim.app, stop, poll_timeout=0)
    assert polls_and_replies(sim) == [
        ("getUpdates", None),
        ("sendMessage", ASHA.id),
        ("getUpdates", queued[0]["update_id"] + 1),  # Ravi's update comes again next time
    ]


async def test_network_errors_are_retried_after_a_pause(sim, monkeypatch):
    monkeypatch.setattr(polling, "FIRST_DELAY", 0.001)
    stop = asyncio.Event()
    telegram = Telegram(sim, [sim.updates.text(ASHA, "/progress")], stop)
    telegram.failures = 3
    await polling.poll(sim.app, stop, poll_timeout=0)
    assert [c.chat_id for c in sim.api.sent()] == [ASHA.id]
    assert [c.method for c in sim.api.calls].count("getUpdates") == 3 + 3


class Crash(BaseException):
    """The process is killed here."""


def crash_on_reply(method: str, params: dict):
    if method == "sendMessage":
        raise Crash


async def test_a_crash_after_a_write_does_not_repeat_the_write_when_the_update_comes_again(tmp_path):
    clock = Clock(DAY1_MORNING)
    async with Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), clock=clock) as first:
        await first.say(ORGANISER, UNITY_RUN)
        await first.say(MILIND, f"/start {await invite(first, 'lead')}")
        clock.advance(hours=11)
        await first.say(MILIND, "/update 20")
        await first.say(MILIND, "/update 4")
        undo = first.updates.text(MILIND, "/undo")
        first.api.responder = crash_on_reply  # /undo is stored, then the process dies before replying
        with pytest.raises(Crash):
            await first.send(undo)
        first.api.responder = None
    async with Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), clock=clock) as again:
        assert await again.send(undo) == []
        assert (await totals(again))["Milind Soman"] == 20_000


async def test_a_crash_during_a_read_answers_it_when_the_update_comes_again(tmp_path):
    async with Simulator(tmp_path / "bot.db", clock=Clock(DAY1_MORNING)) as first:
        progress = first.updates.text(ASHA, "/progress")
        first.api.responder = crash_on_reply
        with pytest.raises(Crash):
            await first.send(progress)
        first.api.responder = None
    async with Simulator(tmp_path / "bot.db", clock=Clock(DAY1_MORNING)) as again:
        [reply] = await again.send(progress)
        assert "There is no run yet" in reply.text


async def test_before_commit_joins_only_transactions_that_change_rows(tmp_path):
    db = await Database.open(tmp_path / "bot.db")

    async def mark_update_99(conn):
        await handled.mark_many(conn, [(99, DAY1_MORNING)])

    db.before_commit = mark_update_99
    try:
        async with db.transaction() as conn:
            await handled.since(conn, DAY1_MORNING)  # reads only
        assert await handled.since(db.conn, DAY1_MORNING) == set()
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await handled.mark_many(conn, [(1, DAY1_MORNING)])
                raise RuntimeError("the handler failed: its write and the mark are rolled back")
        assert await handled.since(db.conn, DAY1_MORNING) == set()
        async with db.transaction() as conn:
            await handled.mark_many(conn, [(2, DAY1_MORNING)])
        assert await handled.since(db.conn, DAY1_MORNING) == {2, 99}
    finally:
        await db.close()


async def test_a_job_writing_while_an_update_is_handled_does_not_mark_that_update(sim):
    token = dedup.HANDLING.set(dedup.Handling(42, DAY1_MORNING, asyncio.current_task()))
    try:

        async def write(update_id: int) -> None:
            async with sim.db.transaction() as conn:
                await handled.mark_many(conn, [(update_id, DAY1_MORNING)])

        await asyncio.create_task(write(1))  # a job: its own task, with a copy of this context
        assert 42 not in await handled.since(sim.db.conn, DAY1_MORNING)
        await write(2)  # the handler itself
        assert 42 in await handled.since(sim.db.conn, DAY1_MORNING)
    finally:
        dedup.HANDLING.reset(token)


async def test_a_read_is_marked_with_the_next_write_and_at_shutdown(tmp_path):
    async with Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), clock=Clock(DAY1_MORNING)) as sim:
        read = sim.updates.text(ASHA, "/progress")
        await sim.send(read)
        assert read["update_id"] not in await handled.since(sim.db.conn, DAY1_MORNING)  # no round trip of its own
        write = sim.updates.text(ORGANISER, UNITY_RUN)
        await sim.send(write)
        assert {read["update_id"], write["update_id"]} <= await handled.since(sim.db.conn, DAY1_MORNING)
        last_read = sim.updates.text(RAVI, "/progress")
        await sim.send(last_read)
    async with Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), clock=Clock(DAY1_MORNING)) as again:
        assert await again.send(last_read) == []  # marked when the first process shut down


async def test_reads_are_marked_a_hundred_at_a_time(sim):
    reads = [sim.updates.text(ASHA, "/progress") for _ in range(dedup.UNWRITTEN_MAX)]
    for read in reads[:-1]:
        await sim.send(read)
    assert await handled.since(sim.db.conn, DAY1_MORNING) == set()
    await sim.send(reads[-1])
    assert await handled.since(sim.db.conn, DAY1_MORNING) == {read["update_id"] for read in reads}
