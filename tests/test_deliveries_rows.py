"""What the delivery log keeps of each scheduled message: chat, kind, run, local day, and when a
message went out, its time and message id; a failure keeps its error."""

import sqlite3
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.demo.simulator import error, group_chat
from bot.edge.jobs import SUMMARIES
from storage import deliveries, runs
from storage.deliveries import Delivery
from tests.conftest import ASHA, MILIND, ORGANISER

IST = ZoneInfo("Asia/Kolkata")
FANS = group_chat(-1001234567890, "Unity Run fans")


async def row(sim, delivery_id: int) -> sqlite3.Row:
    found: sqlite3.Row = await sim.query(
        lambda conn: conn.execute(
            "SELECT claimed_at, sent_at, message_id, error FROM deliveries WHERE id = ?", (delivery_id,)
        ).fetchone()
    )
    return found


async def test_a_summary_and_the_final_summary_are_logged_with_their_chat_run_and_day(unity):
    unity.api.admins[FANS["id"]] = [ASHA]
    await unity.say(ASHA, "/subscribe", FANS)
    run = await unity.query(runs.latest)
    unity.clock.now = datetime(2021, 8, 15, 21, 0, tzinfo=IST)
    [day1] = [c for c in await unity.run_jobs(SUMMARIES) if c.method in ("sendMessage", "sendPhoto") and c.text]
    unity.clock.now = datetime(2021, 8, 16, 12, 0, tzinfo=IST)
    await unity.say(ORGANISER, "/endrun")
    unity.clock.now = datetime(2021, 8, 16, 21, 0, tzinfo=IST)
    await unity.run_jobs(SUMMARIES)

    logged = await unity.query(deliveries.of_chat, FANS["id"])

    assert [(d.chat_id, d.kind, d.run_id, d.day, d.status, d.attempts) for d in logged] == [
        (FANS["id"], "summary", run.id, date(2021, 8, 15), "sent", 1),
        (FANS["id"], "final", run.id, date(2021, 8, 16), "sent", 1),
    ]
    assert logged[0].id < logged[1].id
    first = await row(unity, logged[0].id)
    assert first["claimed_at"] == first["sent_at"] == "2021-08-15T15:30:00+00:00"
    answered = [c for c in unity.api.calls if c.method in ("sendMessage", "sendPhoto", "editMessageText")]
    assert first["message_id"] == 100_000 + answered.index(day1)  # the id the fake Telegram gave it
    assert first["error"] is None


async def test_a_rejected_summary_keeps_telegrams_error(unity):
    unity.api.admins[FANS["id"]] = [ASHA]
    await unity.say(ASHA, "/subscribe", FANS)
    unity.api.responder = lambda method, params: (
        error(400, "Bad Request: can't parse entities") if method in ("sendMessage", "sendPhoto") else None
    )
    unity.clock.now = datetime(2021, 8, 15, 21, 0, tzinfo=IST)
    await unity.run_jobs(SUMMARIES)

    [failed] = await unity.query(deliveries.of_chat, FANS["id"])
    stored = await row(unity, failed.id)

    assert (failed.kind, failed.day, failed.status) == ("summary", date(2021, 8, 15), "failed")
    assert "parse entities" in stored["error"]
    assert stored["sent_at"] is None and stored["message_id"] is None


async def test_claim_mark_and_read_back_every_field(unity):
    run = await unity.query(runs.latest)
    now = datetime(2021, 8, 15, 15, 30, tzinfo=UTC)
    day = date(2021, 8, 15)

    def work(conn):
        claimed = deliveries.claim(conn, [ASHA.id, MILIND.id], kind=deliveries.NUDGE, run_id=run.id, day=day, now=now)
        again = deliveries.claim(conn, [ASHA.id], kind=deliveries.NUDGE, run_id=run.id, day=day, now=now)
        other_day = deliveries.claim(
            conn, [ASHA.id], kind=deliveries.NUDGE, run_id=run.id, day=date(2021, 8, 16), now=now
        )
        deliveries.mark_sent(conn, [(claimed[ASHA.id], 4242)], now)
        deliveries.mark_failed(conn, [(claimed[MILIND.id], "x" * 600, True)])
        return claimed, again, other_day

    claimed, again, other_day = await unity.db.transaction(work)

    assert set(claimed) == {ASHA.id, MILIND.id} and again == {}
    assert await unity.query(deliveries.of_chat, ASHA.id) == [
        Delivery(claimed[ASHA.id], ASHA.id, "nudge", run.id, day, "sent", 1),
        Delivery(other_day[ASHA.id], ASHA.id, "nudge", run.id, date(2021, 8, 16), "sending", 1),
    ]
    assert (await row(unity, claimed[ASHA.id]))["message_id"] == 4242
    assert (await row(unity, claimed[MILIND.id]))["error"] == "x" * 500
    assert [d.status for d in await unity.query(deliveries.of_chat, MILIND.id)] == ["retry"]
