"""Polling stores each batch before confirming it, handles chats at once and each chat in order; a crash
loses nothing and repeats no write."""

import asyncio
import sqlite3
from datetime import timedelta

import pytest
from telegram import Update

from bot.demo.simulator import Clock, FakeBotAPI, Simulator, error, group_chat
from bot.edge import exactly_once, handled, polling
from bot.edge.concurrency import ChatOrder
from bot.edge.context import HANDLED
from bot.edge.jobs import HOUSEKEEPING
from storage import inbox, supporters
from storage.db import Database
from tests.conftest import ASHA, DAY1_MORNING, MILIND, ORGANISER, RAVI, UNITY_RUN, invite
from tests.test_runner_updates import totals

FLOODED = group_chat(-100123, "Marathon Club")


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


def inbox_ids(sim: Simulator) -> list[int]:
    """What the inbox holds, read as another process would (WAL: committed rows only)."""
    with sqlite3.connect(sim.settings.database_path) as conn:
        return [row[0] for row in conn.execute("SELECT update_id FROM inbox ORDER BY update_id")]


async def test_a_batch_is_stored_before_the_next_getupdates_confirms_it(sim):
    queued = [sim.updates.text(ASHA, "/progress"), sim.updates.text(RAVI, "/progress")]
    stop = asyncio.Event()
    telegram = Telegram(sim, queued, stop)
    stored_when_confirmed = []

    def answer(method: str, params: dict):
        if method == "getUpdates" and params.get("offset"):
            stored_when_confirmed.append(inbox_ids(sim))
        return telegram(method, params)

    sim.api.responder = answer
    await polling.poll(sim.app, stop, poll_timeout=0)
    after = queued[-1]["update_id"] + 1
    assert [c.params.get("offset") for c in sim.api.calls if c.method == "getUpdates"] == [None, after, after]
    assert stored_when_confirmed[0] == [u["update_id"] for u in queued]
    assert sorted(c.chat_id for c in sim.api.sent()) == sorted([ASHA.id, RAVI.id])


async def test_a_stop_finishes_the_updates_in_hand_then_confirms_them(sim):
    queued = [sim.updates.text(ASHA, "/progress"), sim.updates.text(RAVI, "/progress")]
    stop = asyncio.Event()
    telegram = Telegram(sim, queued, stop)
    sim.api.responder = lambda method, params: stop.set() if method == "sendMessage" else telegram(method, params)
    await polling.poll(sim.app, stop, poll_timeout=0)
    assert sorted(c.chat_id for c in sim.api.sent()) == sorted([ASHA.id, RAVI.id])
    assert [c.params.get("offset") for c in sim.api.calls if c.method == "getUpdates"][-1] == queued[-1][
        "update_id"
    ] + 1


async def test_updates_stored_but_not_handled_when_the_process_died_are_handled_at_the_next_start(tmp_path):
    clock = Clock(DAY1_MORNING)
    async with Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), clock=clock) as first:
        await first.say(ORGANISER, UNITY_RUN)
        await first.say(MILIND, f"/start {await invite(first, 'lead')}")
        clock.advance(hours=11)
        post = first.updates.text(MILIND, "/update 20")
        await exactly_once.receive(first.db, [Update.de_json(post, first.app.bot)], clock())
        # the process dies here: the update is stored, confirmed to Telegram, never handled
    async with Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), clock=clock) as again:
        stop = asyncio.Event()
        Telegram(again, [again.updates.text(ASHA, "/progress")], stop)
        await polling.poll(again.app, stop, poll_timeout=0)
        assert (await totals(again))["Milind Soman"] == 20_000
        assert [c.text.split("\n")[0] for c in again.api.sent(MILIND.id)] == [
            "✅ Posted <b>20 km</b> for day 1 · The Unity Run"
        ]


async def test_two_edits_and_a_message_of_one_user_delivered_together_apply_in_telegrams_order(unity, monkeypatch):
    unity.clock.now = DAY1_MORNING.replace(hour=12)
    first = unity.updates.text(MILIND, "/update 20 Marine Drive")
    batch = [
        first,
        unity.updates.edit(first, text="/update 25 Marine Drive"),
        unity.updates.edit(first, text="/update 30 Marine Drive, then Bandra"),
        unity.updates.text(ASHA, "/progress"),
    ]
    slow_first = iter([0.06, 0.03, 0.0, 0.0])  # without the order, each later update would finish first
    real = ChatOrder.do_process_update

    async def uneven(self, update, coroutine):
        await asyncio.sleep(next(slow_first))
        await real(self, update, coroutine)

    monkeypatch.setattr(ChatOrder, "do_process_update", uneven)
    stop = asyncio.Event()
    Telegram(unity, batch, stop)
    await polling.poll(unity.app, stop, poll_timeout=0)

    assert (await totals(unity))["Milind Soman"] == 30_000
    assert [c.text.split("\n")[0] for c in unity.api.sent(MILIND.id)][-3:] == [
        "✅ Posted <b>20 km</b> for day 1 · The Unity Run",
        "✏️ Corrected: 20 km → <b>25 km</b> · The Unity Run",
        "✏️ Corrected: 25 km → <b>30 km</b> · The Unity Run",
    ]


async def test_a_flooded_group_holds_up_no_other_chat(unity, monkeypatch):
    flood = [unity.updates.text(RAVI, "/progress", FLOODED) for _ in range(10)]
    private = unity.updates.text(ASHA, "/progress")
    released = asyncio.Event()
    real = ChatOrder.do_process_update
    answered: list[int] = []

    async def group_waits(self, update, coroutine):
        if update.effective_chat.id == FLOODED["id"]:
            await released.wait()  # the group's limit: its replies wait
        await real(self, update, coroutine)
        answered.append(update.effective_chat.id)
        if update.effective_chat.id == ASHA.id:
            released.set()

    monkeypatch.setattr(ChatOrder, "do_process_update", group_waits)
    stop = asyncio.Event()
    Telegram(unity, [*flood, private], stop)
    await polling.poll(unity.app, stop, poll_timeout=0)
    assert answered[0] == ASHA.id and answered.count(FLOODED["id"]) == 10


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


class Marks:
    """Marks for a transaction: update 99's, as bot.edge.exactly_once gives a handler's database."""

    def __init__(self) -> None:
        self.written_marks: list = []

    def pending(self):
        return [(99, DAY1_MORNING)]

    def written(self, marks) -> None:
        self.written_marks += marks


def follow(user_id: int):
    """A small write of any kind (a supporter's name saved)."""
    return lambda conn: supporters.save(conn, user_id, "Asha", DAY1_MORNING)


def saved_ids(conn):
    return [row[0] for row in conn.execute("SELECT user_id FROM supporters ORDER BY user_id")]


async def test_marks_join_only_transactions_that_change_rows_and_roll_back_with_them(tmp_path):
    db = await Database.open(tmp_path / "bot.db")
    marks = Marks()
    view = db.with_marks(marks)

    def fail(conn):
        follow(1)(conn)
        raise RuntimeError("the handler failed: its write and the mark are rolled back")

    try:
        await view.transaction(saved_ids)  # reads only
        assert await db.read(lambda conn: inbox.handled_since(conn, DAY1_MORNING)) == set()
        with pytest.raises(RuntimeError):
            await view.transaction(fail)
        assert await db.read(lambda conn: inbox.handled_since(conn, DAY1_MORNING)) == set()
        assert marks.written_marks == []
        await view.transaction(follow(2))
        assert await db.read(lambda conn: inbox.handled_since(conn, DAY1_MORNING)) == {99}
        assert marks.written_marks == [(99, DAY1_MORNING)]
        assert await db.read(saved_ids) == [2]
    finally:
        await db.close()


async def test_a_job_writing_while_an_update_is_handled_does_not_mark_that_update(sim):
    once = sim.app.bot_data[HANDLED]
    assert once.begin(42, DAY1_MORNING)
    await sim.db.transaction(follow(1))  # a job: the plain database
    assert 42 not in await sim.query(inbox.handled_since, DAY1_MORNING)
    await sim.db.with_marks(once.marks_of(42)).transaction(follow(2))  # the handler of update 42
    assert 42 in await sim.query(inbox.handled_since, DAY1_MORNING)


async def test_a_read_is_marked_with_the_next_write_and_at_shutdown(tmp_path):
    async with Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), clock=Clock(DAY1_MORNING)) as sim:
        read = sim.updates.text(ASHA, "/progress")
        await sim.send(read)
        assert read["update_id"] not in await sim.query(inbox.handled_since, DAY1_MORNING)  # no round trip of its own
        write = sim.updates.text(ORGANISER, UNITY_RUN)
        await sim.send(write)
        assert {read["update_id"], write["update_id"]} <= await sim.query(inbox.handled_since, DAY1_MORNING)
        last_read = sim.updates.text(RAVI, "/progress")
        await sim.send(last_read)
    async with Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), clock=Clock(DAY1_MORNING)) as again:
        assert await again.send(last_read) == []  # marked when the first process shut down


async def test_reads_are_marked_a_hundred_at_a_time(sim):
    reads = [sim.updates.text(ASHA, "/progress") for _ in range(handled.UNWRITTEN_MAX)]
    for read in reads[:-1]:
        await sim.send(read)
    assert await sim.query(inbox.handled_since, DAY1_MORNING) == set()
    await sim.send(reads[-1])
    assert await sim.query(inbox.handled_since, DAY1_MORNING) == {read["update_id"] for read in reads}


async def test_the_hourly_housekeeping_forgets_update_ids_handled_over_two_days_ago(sim):
    old, recent = sim.updates.text(ASHA, "/progress"), sim.updates.text(RAVI, "/progress")
    await sim.send(old)
    await exactly_once.write_unwritten(sim.db, sim.app.bot_data[HANDLED])
    sim.clock.advance(days=2, hours=1)
    await sim.send(recent)
    await exactly_once.write_unwritten(sim.db, sim.app.bot_data[HANDLED])

    await sim.run_jobs(HOUSEKEEPING)

    kept = await sim.query(inbox.handled_since, DAY1_MORNING - timedelta(days=1))
    assert kept == {recent["update_id"]}


def test_the_memory_of_handled_ids_forgets_the_oldest_first(monkeypatch):
    monkeypatch.setattr(handled, "MEMORY", 3)
    once = handled.ExactlyOnce({1, 2})
    assert [once.begin(n, DAY1_MORNING) for n in (3, 4)] == [True, True]  # 1 is forgotten, 2 3 4 kept
    assert [once.begin(n, DAY1_MORNING) for n in (4, 3, 2)] == [False, False, False]
    assert once.begin(1, DAY1_MORNING)  # forgotten: a re-delivery this old no longer comes


def test_an_update_in_hand_is_marked_with_its_write_and_those_that_wrote_nothing_with_it(monkeypatch):
    once = handled.ExactlyOnce()
    assert once.begin(10, DAY1_MORNING) and once.begin(11, DAY1_MORNING)
    assert not once.finish(10)  # 10 wrote nothing: its mark waits
    marks = once.marks_of(11)
    assert marks.pending() == [(11, DAY1_MORNING), (10, DAY1_MORNING)]
    marks.written(marks.pending())
    assert once.unwritten() == [] and once.marks_of(11).pending() == []
    assert not once.finish(11)  # marked already: nothing waits
    assert once.unwritten() == []


def test_a_hundred_waiting_marks_ask_to_be_written(monkeypatch):
    once = handled.ExactlyOnce()
    for n in range(handled.UNWRITTEN_MAX - 1):
        once.begin(n, DAY1_MORNING)
        assert not once.finish(n)
    once.begin(999, DAY1_MORNING)
    assert once.finish(999)


async def test_getupdates_asks_for_every_kind_of_update_long_polls_and_confirms_on_stop(sim):
    queued = [sim.updates.text(ASHA, "/progress")]
    stop = asyncio.Event()
    Telegram(sim, queued, stop)
    await polling.poll(sim.app, stop, poll_timeout=7)
    polls = [c.params for c in sim.api.calls if c.method == "getUpdates"]
    assert polls[0]["timeout"] == 7 and "offset" not in polls[0]
    assert set(polls[0]["allowed_updates"]) == set(Update.ALL_TYPES)  # my_chat_member and callbacks too
    assert polls[-1] == {"offset": queued[0]["update_id"] + 1, "timeout": 0, "limit": 1,
                         "allowed_updates": polls[0]["allowed_updates"]}  # fmt: skip


async def test_the_back_off_doubles_up_to_its_cap_and_starts_again_after_a_success(sim, monkeypatch):
    waits: list[float] = []

    async def recorded(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(polling, "sleep", recorded)
    monkeypatch.setattr(polling, "FIRST_DELAY", 1.0)
    monkeypatch.setattr(polling, "MAX_DELAY", 5.0)
    stop = asyncio.Event()
    telegram = Telegram(sim, [sim.updates.text(ASHA, "/progress")], stop)
    telegram.failures = 4
    confirmations: list[int] = []

    def flaky(method: str, params: dict):
        if method == "getUpdates" and params.get("offset"):
            confirmations.append(params["offset"])
            if len(confirmations) == 1:  # one more failure after the batch came through
                return error(502, "Bad Gateway")
        return telegram(method, params)

    sim.api.responder = flaky
    await polling.poll(sim.app, stop, poll_timeout=0)
    assert waits == [1.0, 2.0, 4.0, 5.0, 1.0]  # doubled, capped at 5 s, back to 1 s after a success


async def test_a_stop_gives_up_on_an_update_that_does_not_finish_and_it_is_handled_at_the_next_start(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(polling, "SHUTDOWN_GRACE", 0.05)
    stuck = asyncio.Event()
    real = ChatOrder.do_process_update

    async def never(self, update, coroutine):
        await stuck.wait()
        await real(self, update, coroutine)

    async with Simulator(tmp_path / "bot.db") as first:
        monkeypatch.setattr(ChatOrder, "do_process_update", never)
        stop = asyncio.Event()
        progress = first.updates.text(ASHA, "/progress")
        Telegram(first, [progress], stop)
        await polling.poll(first.app, stop, poll_timeout=0)
        assert first.api.sent() == []
    monkeypatch.setattr(ChatOrder, "do_process_update", real)
    monkeypatch.setattr(polling, "SHUTDOWN_GRACE", 20.0)
    async with Simulator(tmp_path / "bot.db") as again:
        stop = asyncio.Event()
        later = again.updates.text(RAVI, "/progress")
        later["update_id"] = progress["update_id"] + 1  # Telegram's next id (a new Updates counts from the start)
        Telegram(again, [later], stop)
        await polling.poll(again.app, stop, poll_timeout=0)
        assert sorted(c.chat_id for c in again.api.sent()) == sorted([ASHA.id, RAVI.id])


class HangingTelegram(FakeBotAPI):
    """A getUpdates that Telegram holds open (a long poll with nothing new), until it is cancelled."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock=clock)
        self.cancelled = asyncio.Event()

    async def do_request(self, url, method, request_data=None, *args, **kwargs):  # type: ignore[override]
        if url.endswith("/getUpdates"):
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
        return await super().do_request(url, method, request_data, *args, **kwargs)


async def test_a_stop_cancels_the_long_poll_in_hand_at_once(tmp_path):
    clock = Clock(DAY1_MORNING)
    api = HangingTelegram(clock)
    async with Simulator(tmp_path / "bot.db", clock=clock, api=api) as sim:
        stop = asyncio.Event()
        poller = asyncio.create_task(polling.poll(sim.app, stop, poll_timeout=30))
        await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(poller, 2)  # not the 30 s the long poll would have taken
    assert api.cancelled.is_set()


async def test_a_flood_bigger_than_the_room_in_hand_holds_up_no_other_chat_and_keeps_its_order(unity, monkeypatch):
    monkeypatch.setattr(polling, "PER_CHAT", 3)
    monkeypatch.setattr(polling, "MAX_IN_HAND", 5)  # fewer than the flood: without the per-chat cap, it fills it
    flood = [unity.updates.text(RAVI, f"/log {n}", FLOODED) for n in range(1, 13)]
    private = unity.updates.text(ASHA, "/progress")
    released = asyncio.Event()
    real = ChatOrder.do_process_update
    answered: list[int] = []

    async def group_waits(self, update, coroutine):
        if update.effective_chat.id == FLOODED["id"]:
            await released.wait()  # the group's limit: its replies wait
        await real(self, update, coroutine)
        answered.append(update.effective_chat.id)
        if update.effective_chat.id == ASHA.id:
            released.set()

    monkeypatch.setattr(ChatOrder, "do_process_update", group_waits)
    unity.clock.advance(hours=11)
    stop = asyncio.Event()
    Telegram(unity, [*flood, private], stop)
    await asyncio.wait_for(polling.poll(unity.app, stop, poll_timeout=0), 10)  # stuck for ever without the cap

    assert answered[0] == ASHA.id and answered.count(FLOODED["id"]) == 12
    logged = [c.text.split("<b>")[1].split(" km")[0] for c in unity.api.sent(FLOODED["id"])]
    assert logged == [str(n) for n in range(1, 13)]  # in Telegram's order, the waiting ones read back from the inbox
