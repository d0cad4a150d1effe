"""One action, one transaction, one trip to the database; what it causes is stored with it."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import date

import aiosqlite
import pytest

from bot.demo.simulator import Simulator
from storage import outbox, runners, runs, updates
from storage.db import Database, on_db_thread
from tests.conftest import ASHA, DAY1_MORNING, MILIND, ORGANISER, RAVI, UNITY_RUN, invite


async def test_aiosqlite_still_runs_a_function_on_its_thread_in_one_trip(tmp_path):
    """storage.db.on_db_thread uses aiosqlite's private `_execute` and `_conn`: this fails loudly if an
    upgrade removes or changes them (pyproject pins aiosqlite below the next minor release)."""
    assert callable(getattr(aiosqlite.Connection, "_execute", None)), "aiosqlite.Connection._execute is gone"
    async with aiosqlite.connect(tmp_path / "x.db") as conn:
        where = await on_db_thread(conn, lambda raw: (threading.get_ident(), raw.execute("SELECT 41 + 1").fetchone()))
    assert where[0] != threading.get_ident() and where[1] == (42,)


async def test_a_read_during_a_transaction_that_rolls_back_never_shows_its_figure(unity):
    await unity.say(MILIND, "/update 24 Day one")
    run = await unity.query(runs.latest)
    lead = next(t.runner for t in await unity.query(runners.totals, run.id) if t.runner.is_lead)

    def post_then_fail(conn):
        updates.add(conn, run_id=run.id, runner_id=lead.id, local_day=date(2021, 8, 15), metres=300_000,
                    note=None, photo_file_id=None, chat_id=MILIND.id, message_id=999, at=DAY1_MORNING)  # fmt: skip
        time.sleep(0.05)  # the read below is asked for meanwhile
        raise RuntimeError("rolled back")

    async def failing_write():
        with pytest.raises(RuntimeError):
            await unity.db.transaction(post_then_fail)

    async def read():
        await asyncio.sleep(0.01)
        return await unity.say(ASHA, "/progress")

    _, progress = await asyncio.gather(failing_write(), read())
    assert "<b>24 km</b> of 416 km" in progress
    assert "324 km" not in progress


async def test_a_kill_between_storing_an_update_and_sending_its_news_loses_nothing(tmp_path):
    path = tmp_path / "bot.db"
    async with Simulator(path, frozenset({ORGANISER.id})) as first:
        await first.say(ORGANISER, UNITY_RUN)
        await first.say(MILIND, f"/start {await invite(first, 'lead')}")
        await first.say(ASHA, "/follow")
        await first.say(RAVI, "/follow")
        first.clock.advance(hours=11)
        await first.say(MILIND, "/update 24 Day one done")
        # Ravi's message was handed to Telegram when the process died; Asha's was still waiting.
        await first.db.transaction(lambda conn: outbox.claim(conn, 1, first.clock()) and None)
        assert first.api.sent(ASHA.id)[-1].text.startswith("🔔 You will get")  # no news yet
    async with Simulator(path, frozenset({ORGANISER.id})) as again:
        after_restart = await again.deliver()  # what the sender does at start
        more = await again.deliver()
    news = "🏃 <b>Milind Soman</b> · The Unity Run: +24 km (day 1)\nDay one done\nRoute so far: 24 of 416 km · 5.8%"
    assert sorted((c.chat_id, c.text) for c in after_restart) == sorted([(ASHA.id, news), (RAVI.id, news)])
    assert more == []


async def test_an_update_stored_through_an_edit_is_announced_like_a_new_one(unity):
    await unity.say(ASHA, "/follow")
    unity.clock.advance(hours=11)
    typo = unity.updates.text(MILIND, "/update 2400 Day one")  # refused: more than a day can hold
    await unity.send(typo)
    await unity.send(unity.updates.edit(typo, text="/update 24 Day one"))
    sent = await unity.deliver()
    assert [(c.chat_id, c.text.splitlines()[0]) for c in sent] == [
        (ASHA.id, "🏃 <b>Milind Soman</b> · The Unity Run: +24 km (day 1)")
    ]


async def test_every_write_command_is_one_trip_to_the_database(unity, monkeypatch):
    trips: list[str] = []
    real = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):
        trips.append(getattr(fn, "__name__", "?"))
        return await real(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    unity.clock.advance(hours=11)
    for person, text in [(MILIND, "/update 24 Day one"), (ASHA, "/pledge"), (ASHA, "/log 5"), (ASHA, "/undo")]:
        trips.clear()
        await unity.say(person, text)
        assert len(trips) == 1, (text, trips)


def test_database_has_no_other_way_in():
    assert not hasattr(Database, "execute")
