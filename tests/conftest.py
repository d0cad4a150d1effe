"""Fixtures: the real Application from bot/edge/app.py behind a fake Bot API, on a temporary database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from bot.demo.simulator import Clock, Person, Simulator
from storage import logs, pledges, runs, supporters

if TYPE_CHECKING:
    from tests.test_e2e import BotProcess, FakeTelegram

ORGANISER = Person(1001, "Priya", "Organiser", "priya_org")
MILIND = Person(2001, "Milind", "Soman", "milindrunning")
ANKITA = Person(2002, "Ankita", "Konwar")
ASHA = Person(3001, "Asha")
RAVI = Person(3002, "Ravi")

UNITY_RUN = "/newrun The Unity Run | Mumbai | Statue of Unity | 416 | 2021-08-15 | 2021-08-22 | Asia/Kolkata"
# 15 Aug 2021, 06:30 in Mumbai (IST, UTC+05:30)
DAY1_MORNING = datetime(2021, 8, 15, 1, 0, tzinfo=UTC)


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    """The e2e tests' fake Bot API server on 127.0.0.1 (tests/test_e2e.py)."""
    from tests.test_e2e import FakeTelegram  # that module imports this one

    fake = FakeTelegram()
    yield fake
    fake.close()


@pytest.fixture
def bot(tmp_path, telegram) -> Iterator[BotProcess]:
    """`python -m bot` as a process against that server."""
    from tests.test_e2e import BotProcess

    process = BotProcess(tmp_path, telegram)
    yield process
    if process.process and process.process.poll() is None:
        process.process.kill()
        process.process.wait()


@pytest.fixture
async def sim(tmp_path):
    async with Simulator(tmp_path / "bot.db", admin_ids=frozenset({ORGANISER.id}), clock=Clock(DAY1_MORNING)) as s:
        yield s


async def invite(sim: Simulator, role: str) -> str:
    reply = await sim.say(ORGANISER, f"/invite {role}")
    return reply.rsplit("start=", 1)[1].strip()


@pytest.fixture
async def unity(sim):
    """The Unity Run set up: Milind the lead, Ankita a companion; 06:30 on day 1."""
    await sim.say(ORGANISER, UNITY_RUN)
    await sim.say(MILIND, f"/start {await invite(sim, 'lead')}")
    await sim.say(ANKITA, f"/start {await invite(sim, 'companion')}")
    return sim


async def pledged_crowd(sim: Simulator, size: int, logged_m=lambda i: 1_000) -> None:
    """`size` supporters of the current run, each with a 20.8 km pledge and one log on day 1 of
    `logged_m(i)` metres, written straight through the storage functions."""
    run = await sim.query(runs.latest)
    at = sim.clock()

    def write(conn):
        for i in range(size):
            user_id = 10_000 + i
            supporters.save(conn, user_id, f"S{i}", at)
            pledges.join(conn, run.id, user_id, at)
            pledges.set_pledged(conn, run.id, user_id, 20_800, at)
            logs.add(
                conn, run_id=run.id, user_id=user_id, local_day=run.start_date, metres=logged_m(i), note=None,
                chat_id=user_id, message_id=1, at=at,
            )  # fmt: skip

    await sim.db.transaction(write)
