"""The outbox sender: what a write queued for other chats goes out after the commit, in order per chat,
once; Telegram's refusals and failures settle each message as a user would expect."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.demo.simulator import Simulator, error, group_chat
from bot.domain.news import Prewritten, RunnerPosted, from_json, to_json
from bot.edge import outbox as sender
from storage import followers, outbox, runs
from storage.schema import migrations, split_statements
from tests.conftest import ASHA, MILIND, RAVI
from tests.test_summaries import FANS, ist, subscribe

NEWS = "🏃 <b>Milind Soman</b> · The Unity Run: +24 km (day 1)"


async def post(sim: Simulator, km: int = 24) -> None:
    await sim.say(MILIND, f"/update {km} Day one")


def news_to(sim: Simulator, chat_id: int) -> list[str]:
    return [c.text.splitlines()[0] for c in sim.api.sent(chat_id) if c.text.startswith("🏃")]


def tries(sim: Simulator) -> list[str]:
    """The news sent (or tried) to Asha."""
    return [c.text for c in sim.api.calls if c.method == "sendMessage" and c.chat_id == ASHA.id and "🏃" in c.text]


def prewritten(text: str) -> outbox.Fact:
    """A message as the previous version queued it: its text."""
    return outbox.Fact("text", to_json(Prewritten(text)))


def text(queued: outbox.Queued) -> str:
    news = from_json(queued.fact.kind, queued.fact.facts)
    assert isinstance(news, Prewritten)
    return news.text


async def backlog(sim: Simulator) -> int:
    return await sim.query(outbox.backlog)


async def test_each_follower_gets_the_news_once_and_the_outbox_empties(unity):
    await unity.say(ASHA, "/follow")
    await unity.say(RAVI, "/follow")
    unity.clock.now = ist(15, 18, 0)
    await post(unity)
    assert await backlog(unity) == 2
    await unity.deliver()
    await unity.deliver()
    assert news_to(unity, ASHA.id) == [NEWS] and news_to(unity, RAVI.id) == [NEWS]
    assert await backlog(unity) == 0
    assert await unity.query(lambda conn: conn.execute("SELECT COUNT(*) FROM outbox_facts").fetchone()[0]) == 0


async def test_a_chat_gets_its_messages_in_the_order_they_were_written(unity):
    await unity.say(ASHA, "/follow")
    unity.clock.now = ist(15, 18, 0)
    for km in (10, 5, 9):
        await post(unity, km)
    await unity.deliver()
    assert news_to(unity, ASHA.id) == [f"🏃 <b>Milind Soman</b> · The Unity Run: +{km} km (day 1)" for km in (10, 5, 9)]


async def test_a_follower_who_blocked_the_bot_is_dropped_and_stops_following(unity):
    await unity.say(ASHA, "/follow")
    await unity.say(RAVI, "/follow")
    unity.clock.now = ist(15, 18, 0)
    await post(unity)
    unity.api.responder = lambda method, params: (
        error(403, "Forbidden: bot was blocked by the user") if int(params.get("chat_id", 0)) == ASHA.id else None
    )
    await unity.deliver()
    assert await backlog(unity) == 0
    assert await unity.query(lambda conn: followers.of_run(conn, runs.latest(conn).id)) == [RAVI.id]


async def test_a_network_failure_is_retried_later_then_given_up_after_the_last_try(unity, monkeypatch):
    monkeypatch.setattr("bot.edge.delivery.BACKOFF", ())  # no waits inside one try
    await unity.say(ASHA, "/follow")
    unity.clock.now = ist(15, 18, 0)
    await post(unity)
    unity.api.responder = lambda method, params: error(502, "Bad Gateway") if method == "sendMessage" else None

    await unity.deliver()
    waiting = await unity.query(lambda conn: conn.execute("SELECT status, attempts, not_before FROM outbox").fetchone())
    await unity.deliver()  # not due yet: nothing tried
    tries_early = len(tries(unity))
    for _ in range(outbox.MAX_ATTEMPTS):
        unity.clock.now += timedelta(hours=1)
        await unity.deliver()

    assert tuple(waiting) == ("pending", 1, "2021-08-15T12:30:30+00:00")  # 30 s after the first try
    assert tries_early == 1
    assert await backlog(unity) == 0  # given up after MAX_ATTEMPTS tries
    assert len(tries(unity)) == outbox.MAX_ATTEMPTS


def test_retries_wait_longer_each_time_up_to_an_hour():
    now = ist(15, 18, 0)
    assert [sender.retry_at(now, n) - now for n in (1, 2, 3)] == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
    ]
    assert sender.retry_at(now, 20) - now == timedelta(hours=1)


async def test_a_milestone_to_a_group_that_became_a_supergroup_follows_it_there(unity):
    await subscribe(unity, FANS)
    supergroup = -100_777_000
    unity.clock.now = ist(16, 18, 0)
    await unity.say(MILIND, "/update 110 Past Virar")  # 25% of 416 km
    unity.api.responder = lambda method, params: (
        error(400, "Bad Request: group chat was upgraded", migrate_to_chat_id=supergroup)
        if int(params.get("chat_id", 0)) == FANS["id"]
        else None
    )
    await unity.deliver()
    unity.api.responder = None
    await unity.deliver()
    assert [c.text.splitlines()[0] for c in unity.api.sent(supergroup)] == ["🎉 <b>A quarter of the way!</b>"]
    assert await backlog(unity) == 0


async def test_claim_takes_the_oldest_message_of_each_chat_and_none_of_a_chat_in_flight(unity):
    now = ist(15, 18, 0)
    group = group_chat(-100_123, "Club")

    def queue(conn):
        outbox.to_chats(conn, prewritten("a1"), now, [ASHA.id, group["id"]])
        outbox.to_chats(conn, prewritten("a2"), now, [ASHA.id])
        outbox.to_chats(conn, prewritten("r1"), now, [RAVI.id])

    await unity.db.transaction(queue)
    first = await unity.db.transaction(lambda conn: outbox.claim(conn, 10, now))
    second = await unity.db.transaction(lambda conn: outbox.claim(conn, 10, now))
    await unity.db.transaction(lambda conn: outbox.done(conn, [q.id for q in first]))
    third = await unity.db.transaction(lambda conn: outbox.claim(conn, 1, now))

    assert [(q.chat_id, text(q), q.attempts) for q in first] == [(ASHA.id, "a1", 1), (group["id"], "a1", 1),
                                                                (RAVI.id, "r1", 1)]  # fmt: skip
    assert second == []  # Asha's second waits while her first is being sent
    assert [(q.chat_id, text(q)) for q in third] == [(ASHA.id, "a2")]


async def test_a_message_waiting_for_its_retry_holds_back_the_later_ones_of_its_chat(unity):
    now = ist(15, 18, 0)

    def queue(conn):
        outbox.to_chats(conn, prewritten("first"), now, [ASHA.id])
        outbox.to_chats(conn, prewritten("second"), now, [ASHA.id])

    await unity.db.transaction(queue)
    [first] = await unity.db.transaction(lambda conn: outbox.claim(conn, 10, now))
    await unity.db.transaction(lambda conn: outbox.retry(conn, [(first.id, now + timedelta(minutes=5))]))

    early = await unity.db.transaction(lambda conn: outbox.claim(conn, 10, now + timedelta(minutes=1)))
    due = await unity.db.transaction(lambda conn: outbox.claim(conn, 10, now + timedelta(minutes=5)))

    assert early == []
    assert [(text(q), q.attempts) for q in due] == [("first", 2)]


async def test_what_was_being_sent_when_the_process_died_goes_again_at_the_next_start(tmp_path):
    async with Simulator(tmp_path / "bot.db") as first:
        await first.db.transaction(lambda conn: outbox.to_chats(conn, prewritten("hello"), first.clock(), [ASHA.id]))
        await first.db.transaction(lambda conn: outbox.claim(conn, 10, first.clock()))
    async with Simulator(tmp_path / "bot.db") as again:
        status = await again.query(lambda conn: conn.execute("SELECT status FROM outbox").fetchone()[0])
        sent = await again.deliver()
    assert status == "pending"
    assert [(c.chat_id, c.text) for c in sent] == [(ASHA.id, "hello")]


async def test_an_undone_update_takes_back_its_unsent_milestone_but_not_the_followers_news(unity):
    await subscribe(unity, FANS)
    await unity.say(ASHA, "/follow")
    unity.clock.now = ist(16, 18, 0)
    await unity.say(MILIND, "/update 110 Past Virar")
    await unity.say(MILIND, "/undo")
    sent = await unity.deliver()
    assert [c.chat_id for c in sent if "quarter" in c.text] == []
    assert [c.text.splitlines()[0] for c in sent if c.chat_id == ASHA.id] == [
        "🏃 <b>Milind Soman</b> · The Unity Run: +110 km (day 2)"
    ]


async def test_a_message_whose_sending_failed_inside_the_bot_is_kept_for_a_retry(unity, monkeypatch):
    await unity.say(ASHA, "/follow")
    unity.clock.now = ist(15, 18, 0)
    await post(unity)

    async def broken(*args, **kwargs):
        raise RuntimeError("a bug on the bot's side")

    monkeypatch.setattr("bot.edge.delivery.send_and_settle", broken)
    await unity.deliver()
    kept = await unity.query(lambda conn: conn.execute("SELECT status, attempts FROM outbox").fetchone())
    monkeypatch.undo()
    unity.clock.now += timedelta(minutes=1)
    await unity.deliver()

    assert tuple(kept) == ("pending", 1)
    assert news_to(unity, ASHA.id) == [NEWS]


async def test_the_outbox_keeps_what_happened_in_figures_and_the_text_is_written_when_sent(unity):
    await unity.say(ASHA, "/follow")
    unity.clock.now = ist(15, 18, 0)
    await unity.say(MILIND, "/update 24 Day <one>")

    [stored] = await unity.query(outbox.facts_of_chat, ASHA.id)
    news = from_json(stored.kind, stored.facts)
    sent = await unity.deliver()

    assert stored.kind == "follower" and "<b>" not in stored.facts  # figures, no markup
    assert news == RunnerPosted(
        run_id=news.run_id, run_title="The Unity Run", runner_name="Milind Soman", is_lead=True, metres=24_000,
        day=1, note="Day <one>", route_m=24_000, distance_m=416_000, runner_total_m=24_000,
    )  # fmt: skip
    assert [c.text for c in sent if c.chat_id == ASHA.id] == [
        "🏃 <b>Milind Soman</b> · The Unity Run: +24 km (day 1)\nDay &lt;one&gt;\nRoute so far: 24 of 416 km · 5.8%"
    ]


async def test_news_this_version_cannot_read_is_given_up_and_holds_back_no_other(unity, caplog):
    now = ist(15, 18, 0)

    def queue(conn):
        outbox.to_chats(conn, outbox.Fact("postcard", '{"from": "a newer version"}'), now, [ASHA.id])
        outbox.to_chats(conn, outbox.Fact("follower", '{"runner_name": "half of it"}'), now, [ASHA.id])
        outbox.to_chats(conn, prewritten("after them"), now, [ASHA.id])

    await unity.db.transaction(queue)
    unity.clock.now = now
    for _ in range(3):
        await unity.deliver()

    assert [c.text for c in unity.api.sent(ASHA.id)] == ["after them"]
    assert await backlog(unity) == 0
    gave_up = [r.getMessage() for r in caplog.records if "Gave up" in r.getMessage()]
    assert len(gave_up) == 2 and "unknown kind of news 'postcard'" in gave_up[0]


async def test_a_message_queued_as_text_before_the_upgrade_is_sent_as_written(tmp_path):
    path = tmp_path / "bot.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for number, sql in migrations():
        if number < 8:  # the schema of the previous release, which queued texts
            for statement in split_statements(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
    conn.execute(
        "INSERT INTO outbox_texts (id, kind, topic, text, created_at) VALUES (1, 'milestone', 'milestone 1 25', ?, ?)",
        ("🎉 <b>A quarter of the way!</b>", "2021-08-16T12:00:00+00:00"),
    )
    conn.execute("INSERT INTO outbox (text_id, chat_id) VALUES (1, ?), (1, ?)", (ASHA.id, RAVI.id))
    conn.close()

    async with Simulator(path) as upgraded:
        sent = await upgraded.deliver()
        left = await upgraded.query(outbox.backlog)

    assert sorted((c.chat_id, c.text) for c in sent) == sorted(
        [(ASHA.id, "🎉 <b>A quarter of the way!</b>"), (RAVI.id, "🎉 <b>A quarter of the way!</b>")]
    )
    assert left == 0
