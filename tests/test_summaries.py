"""The daily summary job at a controlled time; update messages and milestones; delivery errors."""

import asyncio
from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from telegram.ext import AIORateLimiter

from bot.demo.simulator import Clock, Simulator, error, group_chat
from bot.edge import delivery
from bot.edge.jobs import SUMMARIES
from bot.replies import render
from bot.services import summaries
from storage import deliveries, followers, runs, subscriptions
from tests.conftest import ANKITA, ASHA, MILIND, ORGANISER, RAVI, UNITY_RUN, invite

IST = ZoneInfo("Asia/Kolkata")
FANS = group_chat(-1001234567890, "Unity Run fans")
FAMILY = group_chat(-4012345, "Family", kind="group")


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2021, 8, day, hour, minute, tzinfo=IST)


def no_limits() -> AIORateLimiter:
    """Telegram's pacing lifted (nothing to protect in a fake), RetryAfter left to bot.edge.delivery."""
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0)


async def set_up_unity(sim: Simulator) -> Simulator:
    await sim.say(ORGANISER, UNITY_RUN)
    await sim.say(MILIND, f"/start {await invite(sim, 'lead')}")
    await sim.say(ANKITA, f"/start {await invite(sim, 'companion')}")
    return sim


async def subscribe(sim: Simulator, chat: dict, admin=ASHA, args: str = "") -> None:
    sim.api.admins[chat["id"]] = [admin]
    reply = await sim.say(admin, f"/subscribe {args}".strip(), chat)
    assert reply.startswith("✅"), reply


async def post_day1(sim: Simulator) -> None:
    """What the runners posted on day 1 of the Unity Run, at 17:30 in Mumbai."""
    sim.clock.now = ist(15, 17, 30)
    await sim.say(MILIND, "/update 24 Day one done")
    await sim.say(ANKITA, "/update 28 16 flyovers!")
    sim.clock.now = ist(15, 18, 20)
    await sim.send(sim.updates.location(MILIND, 19.2502, 72.8597))


SENDS = ("sendMessage", "sendPhoto")  # a summary comes as a photo with its text as the caption


async def tick(sim: Simulator, at: datetime | None = None) -> list:
    """One pass of the summaries' job at `at`; the texts it sent (a message, or a photo's caption)."""
    if at is not None:
        sim.clock.now = at
    return [c for c in await sim.run_jobs(SUMMARIES) if c.method in ("sendMessage", "sendPhoto") and c.text]


DAY1_SUMMARY = """\
📰 Daily summary · <b>The Unity Run</b>: Mumbai → Statue of Unity
<b>Day 1 of 8</b> · 15 Aug 2021

🏃 <b>Milind Soman</b>: 24 km
    Day one done
🤝 <b>Ankita Konwar</b> (companion): 28 km
    16 flyovers!

Route: <b>24 km</b> of 416 km · 5.8%
█░░░░░░░░░░░░░░░░░░░
392 km to go
Average so far: 24 km a day
Needed: 56 km a day to finish by 22 Aug 2021
Behind plan by 28 km (plan: 52 km by today)
Projected finish at this pace: 1 Sep 2021
📍 Latest position: <a href="https://www.openstreetmap.org/?mlat=19.25020&amp;mlon=72.85970#map=14">map</a> \
(Milind Soman, 15 Aug 18:20)

/progress for the latest figures · /today for today's updates"""


async def pledges_day1(sim: Simulator) -> None:
    """Asha pledges 5% and Ravi 10% of the Unity Run in the morning of day 1; Asha walks 5 km."""
    sim.clock.now = ist(15, 7, 0)
    await sim.say(ASHA, "/pledge")
    await sim.say(RAVI, "/pledge 10%")
    await sim.say(ASHA, "/log 5")


DAY1_SUPPORTERS = """\
🤝 <b>Supporters today</b>: 2 new pledges · 5 km logged
In all: 2 supporters · 62.4 km pledged · 5 km logged
🏅 Top supporter today: Asha, 5 km"""
DAY1_WITH_SUPPORTERS = DAY1_SUMMARY.replace("\n\n/progress", f"\n\n{DAY1_SUPPORTERS}\n\n/progress")


async def test_day1_summary_of_the_unity_run_as_a_group_receives_it(unity):
    await subscribe(unity, FANS)
    await post_day1(unity)

    assert await tick(unity, ist(15, 20, 59)) == []
    sent = await tick(unity, ist(15, 21, 0))

    assert [c.chat_id for c in sent] == [FANS["id"]]
    assert sent[0].text == DAY1_SUMMARY
    assert sent[0].params["parse_mode"] == "HTML"


async def test_exactly_one_summary_per_subscribed_chat_at_its_own_time(unity):
    await subscribe(unity, FANS)
    await subscribe(unity, FAMILY, admin=RAVI, args="20:30")
    await unity.say(RAVI, "/subscribe")  # privately, for himself
    await unity.say(ASHA, "/subscribe 17:30 Europe/London")  # 22:00 in Mumbai
    await post_day1(unity)

    at_2030 = await tick(unity, ist(15, 20, 30))
    at_2100 = await tick(unity, ist(15, 21, 0))
    at_2101 = await tick(unity, ist(15, 21, 1))
    at_2200 = await tick(unity, ist(15, 22, 0))
    at_2330 = await tick(unity, ist(15, 23, 30))

    assert [c.chat_id for c in at_2030] == [FAMILY["id"]]
    assert sorted(c.chat_id for c in at_2100) == sorted([FANS["id"], RAVI.id])
    assert at_2101 == []
    assert [c.chat_id for c in at_2200] == [ASHA.id]
    assert "Day 1 of 8" in at_2200[0].text  # her 15 August, in London
    assert at_2330 == []


async def test_the_schedule_survives_a_restart_and_sends_nothing_twice(tmp_path):
    clock = Clock(ist(15, 6, 30))
    admins = frozenset({ORGANISER.id})
    async with Simulator(tmp_path / "bot.db", admin_ids=admins, clock=clock) as first:
        await set_up_unity(first)
        await subscribe(first, FANS)
        await post_day1(first)
        assert len(await tick(first, ist(15, 21, 0))) == 1

    async with Simulator(tmp_path / "bot.db", admin_ids=admins, clock=clock) as second:
        assert second.app.job_queue.get_jobs_by_name(SUMMARIES)  # rebuilt at start-up
        assert await tick(second, ist(15, 21, 5)) == []
        day2 = await tick(second, ist(16, 21, 0))

    assert [c.chat_id for c in day2] == [FANS["id"]]
    assert "<b>Day 2 of 8</b> · 16 Aug 2021" in day2[0].text
    assert "No update from the runners on day 2." in day2[0].text


async def test_two_processes_on_one_database_send_each_summary_once(tmp_path):
    clock = Clock(ist(15, 6, 30))
    async with (
        Simulator(tmp_path / "bot.db", admin_ids=frozenset({ORGANISER.id}), clock=clock) as one,
        Simulator(tmp_path / "bot.db", clock=clock) as two,
    ):
        await set_up_unity(one)
        for n in range(20):
            await subscribe(one, group_chat(-100500 - n, f"Club {n}"))
        clock.now = ist(15, 21, 0)

        await asyncio.gather(one.run_jobs(SUMMARIES), two.run_jobs(SUMMARIES))

        sent = Counter(c.chat_id for c in one.api.sent() + two.api.sent() if c.text.startswith("📰"))
    assert len(sent) == 20 and set(sent.values()) == {1}


async def test_catch_up_after_downtime_on_the_same_local_day_only(unity):
    await subscribe(unity, FANS)  # 21:00
    await subscribe(unity, FAMILY, admin=RAVI, args="23:45")
    await post_day1(unity)

    # down from 20:00; back at 23:30 in Mumbai: the 21:00 summary goes out now, 23:45 is still ahead
    back = await tick(unity, ist(15, 23, 30))
    # down again from 23:40 to 00:30: day 1 is over for the family group, it gets no late day-1 summary
    next_day = await tick(unity, ist(16, 0, 30))
    day2 = await tick(unity, ist(16, 23, 45))

    assert [c.chat_id for c in back] == [FANS["id"]] and "Day 1 of 8" in back[0].text
    assert next_day == []
    assert sorted(c.chat_id for c in day2) == sorted([FANS["id"], FAMILY["id"]])  # FANS caught up as well
    assert all("Day 2 of 8" in c.text for c in day2)


async def test_a_chat_that_subscribes_after_its_time_starts_tomorrow(unity):
    unity.clock.now = ist(15, 22, 0)
    await subscribe(unity, FANS, args="21:00")

    assert await tick(unity, ist(15, 22, 1)) == []
    assert len(await tick(unity, ist(16, 21, 0))) == 1


async def test_forbidden_ends_the_subscription_and_the_others_still_get_theirs(unity):
    await subscribe(unity, FANS)
    await subscribe(unity, FAMILY, admin=RAVI)
    await unity.say(RAVI, "/subscribe")
    await unity.say(RAVI, "/follow")

    def refuse(method, params):
        if method in SENDS and int(params["chat_id"]) == FANS["id"]:
            return error(403, "Forbidden: bot was kicked from the supergroup chat")
        if method in SENDS and int(params["chat_id"]) == RAVI.id:
            return error(403, "Forbidden: bot was blocked by the user")
        return None

    unity.api.responder = refuse
    sent = await tick(unity, ist(15, 21, 0))
    unity.api.responder = None

    assert sorted(c.chat_id for c in sent) == sorted([FANS["id"], FAMILY["id"], RAVI.id])  # each tried once
    assert await unity.query(subscriptions.get, FANS["id"]) is None
    assert await unity.query(subscriptions.get, RAVI.id) is None
    assert not await unity.query(lambda conn: followers.is_following(conn, runs.latest(conn).id, RAVI.id))
    assert await unity.query(subscriptions.get, FAMILY["id"]) is not None
    assert await tick(unity, ist(16, 21, 0)) != []  # the family group goes on
    assert [d.status for d in await unity.query(deliveries.of_chat, FAMILY["id"])] == ["sent", "sent"]


async def test_no_rights_ends_the_subscription_and_tells_the_admin_privately(unity):
    await subscribe(unity, FANS, admin=ASHA)

    def muted(method, params):
        if method in SENDS and int(params["chat_id"]) == FANS["id"]:
            return error(400, "Bad Request: not enough rights to send text messages to the chat")
        return None

    unity.api.responder = muted
    sent = await tick(unity, ist(15, 21, 0))

    assert [c.chat_id for c in sent] == [FANS["id"], ASHA.id]
    assert "no longer send messages in <b>Unity Run fans</b>" in sent[1].text
    assert await unity.query(subscriptions.get, FANS["id"]) is None


async def test_a_group_upgraded_while_sending_gets_its_summary_at_the_new_id(unity):
    await subscribe(unity, FAMILY, admin=RAVI)
    new_id = -1009876543210

    def upgraded(method, params):
        if method in SENDS and int(params["chat_id"]) == FAMILY["id"]:
            return error(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=new_id)
        return None

    unity.api.responder = upgraded
    sent = await tick(unity, ist(15, 21, 0))

    assert [c.chat_id for c in sent] == [FAMILY["id"], new_id]
    assert (await unity.query(subscriptions.get, new_id)).subscribed_by == RAVI.id
    assert await tick(unity, ist(15, 21, 30)) == []


@pytest.fixture
async def fast(tmp_path, monkeypatch):
    """The Unity Run with the rate limiter's pacing lifted and the waits between tries recorded, not slept."""
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(delivery, "sleep", record)
    async with Simulator(
        tmp_path / "bot.db", admin_ids=frozenset({ORGANISER.id}), clock=Clock(ist(15, 6, 30)), rate_limiter=no_limits()
    ) as sim:
        sim.waits = waits
        yield await set_up_unity(sim)


def failing(chat_id: int, times: int, answer):
    """A responder: `answer` for the first `times` messages to `chat_id`, then success."""
    left = [times]

    def respond(method, params):
        if method in SENDS and int(params["chat_id"]) == chat_id and left[0] > 0:
            left[0] -= 1
            return answer
        return None

    return respond


async def test_retry_after_is_waited_out_and_retried(fast):
    await subscribe(fast, FANS)
    fast.api.responder = failing(FANS["id"], 1, error(429, "Too Many Requests: retry after 7", retry_after=7))

    sent = await tick(fast, ist(15, 21, 0))

    assert [c.chat_id for c in sent] == [FANS["id"], FANS["id"]]
    assert fast.waits == [7.0]
    assert [d.status for d in await fast.query(deliveries.of_chat, FANS["id"])] == ["sent"]


async def test_network_errors_are_retried_with_backoff_then_left_for_a_later_pass(fast):
    await subscribe(fast, FANS)
    await subscribe(fast, FAMILY, admin=RAVI)
    fast.api.responder = failing(FANS["id"], 4 + 2, error(502, "Bad Gateway"))

    first = await tick(fast, ist(15, 21, 0))  # FANS: 4 tries, then left; FAMILY: sent
    second = await tick(fast, ist(15, 21, 1))  # FANS: 2 more failures, then sent
    third = await tick(fast, ist(15, 21, 2))

    assert Counter(c.chat_id for c in first) == {FANS["id"]: 4, FAMILY["id"]: 1}
    assert fast.waits == [1.0, 3.0, 9.0, 1.0, 3.0]
    assert [c.chat_id for c in second] == [FANS["id"]] * 3
    assert third == []
    assert [(d.status, d.attempts) for d in await fast.query(deliveries.of_chat, FANS["id"])] == [("sent", 2)]


async def test_a_message_telegram_rejects_is_not_retried(fast):
    await subscribe(fast, FANS)
    fast.api.responder = failing(FANS["id"], 9, error(400, "Bad Request: can't parse entities"))

    assert len(await tick(fast, ist(15, 21, 0))) == 1
    assert await tick(fast, ist(15, 21, 1)) == []
    assert [d.status for d in await fast.query(deliveries.of_chat, FANS["id"])] == ["failed"]
    assert await fast.query(subscriptions.get, FANS["id"]) is not None


async def test_the_last_day_then_one_final_summary_then_none(unity):
    await subscribe(unity, FANS)
    await post_day1(unity)

    last_day = await tick(unity, ist(22, 21, 0))
    final = await tick(unity, ist(23, 21, 0))
    again = await tick(unity, ist(23, 22, 0))
    after = await tick(unity, ist(24, 21, 0))

    assert "<b>Day 8 of 8</b> · 22 Aug 2021" in last_day[0].text
    assert len(final) == 1
    assert final[0].text.startswith("🏁 <b>Final summary</b> · <b>The Unity Run</b>")
    assert "Finished: <b>24 km</b> of the planned 416 km · 5.8%" in final[0].text
    assert "392 km short of the plan" in final[0].text
    assert "last daily summary" in final[0].text
    assert again == [] and after == []


async def test_a_run_closed_early_gets_its_final_summary_that_day(unity):
    await subscribe(unity, FANS)
    await post_day1(unity)
    unity.clock.now = ist(16, 12, 0)
    await unity.say(ORGANISER, "/endrun")

    final = await tick(unity, ist(16, 21, 0))
    after = await tick(unity, ist(17, 21, 0))

    assert len(final) == 1 and final[0].text.startswith("🏁 <b>Final summary</b>")
    assert "Planned: 8 days, 15 Aug 2021 to 22 Aug 2021; ran 2 days" in final[0].text
    assert after == []


async def test_followers_get_each_new_update_and_milestones_are_announced_once(unity):
    await subscribe(unity, FANS)
    await unity.say(ASHA, "/follow")
    await unity.say(MILIND, "/follow")  # a runner following gets the others' updates, not his own

    unity.clock.now = ist(15, 17, 30)
    first = unity.updates.text(MILIND, "/update 24 Day one done")
    await unity.send(first)
    day1 = await unity.deliver()
    await unity.say(ANKITA, "/update 28 16 flyovers!")
    companion = await unity.deliver()
    await unity.send(unity.updates.edit(first, text="/update 25 Day one done"))
    after_edit = await unity.deliver()

    unity.clock.now = ist(16, 18, 0)
    await unity.say(MILIND, "/update 90 Past Virar")  # 115 km of 416: past 25%
    quarter = await unity.deliver()
    await unity.say(MILIND, "/undo")
    after_undo = await unity.deliver()
    await unity.say(MILIND, "/update 90 Past Virar (again)")  # the undo gave 25% back: passed again, told again
    again = await unity.deliver()

    assert [(c.chat_id, c.text) for c in day1] == [
        (
            ASHA.id,
            "🏃 <b>Milind Soman</b> · The Unity Run: +24 km (day 1)\nDay one done\nRoute so far: 24 of 416 km · 5.8%",
        )
    ]
    assert sorted(c.chat_id for c in companion) == [MILIND.id, ASHA.id]
    assert "+28 km (day 1)\n16 flyovers!\n28 km in all (companion, beside the route)" in companion[0].text
    assert after_edit == [] and after_undo == []
    assert [c.chat_id for c in quarter[:1]] == [ASHA.id]
    milestone = [c for c in quarter if "A quarter of the way!" in c.text]
    assert sorted(c.chat_id for c in milestone) == sorted([FANS["id"], ASHA.id, MILIND.id])
    assert "passed 25% of its route on day 2: 115 km of 416 km" in milestone[0].text
    assert [c.chat_id for c in again[:1]] == [ASHA.id]
    told_again = [c.chat_id for c in again if "A quarter of the way!" in c.text]
    assert sorted(told_again) == sorted([FANS["id"], ASHA.id, MILIND.id])


async def test_a_typo_undone_before_its_milestone_went_out_takes_it_back_and_the_real_pass_announces_it(unity):
    await subscribe(unity, FANS)
    unity.clock.now = ist(15, 17, 30)
    await unity.say(MILIND, "/update 240 oops")  # meant 24: 240 of 416 km is past 50%
    await unity.say(MILIND, "/undo")  # before the sender ran: the milestone is taken back unsent
    await unity.say(MILIND, "/update 24 Day one done")
    typo = await unity.deliver()

    unity.clock.now = ist(17, 18, 0)
    await unity.say(MILIND, "/update 90 Past Palghar")  # 114 km: past 25% for real
    real = await unity.deliver()

    assert [c for c in typo if c.chat_id == FANS["id"]] == []
    assert [c.text.splitlines()[0] for c in real if c.chat_id == FANS["id"]] == ["🎉 <b>A quarter of the way!</b>"]


async def test_a_few_thousand_chats_each_get_one_summary_rendered_once(tmp_path, monkeypatch):
    chats = 3000
    renders = []
    real = render.daily_summary

    def counting(*args, **kwargs):
        renders.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(render, "daily_summary", counting)
    activity_reads = []
    real_activity = summaries.day_activity

    def counting_activity(*args):
        activity_reads.append(args)
        return real_activity(*args)

    monkeypatch.setattr(summaries, "day_activity", counting_activity)
    clock = Clock(ist(15, 6, 30))
    async with Simulator(
        tmp_path / "bot.db", admin_ids=frozenset({ORGANISER.id}), clock=clock, rate_limiter=no_limits()
    ) as sim:
        await set_up_unity(sim)
        await pledges_day1(sim)
        await post_day1(sim)

        def subscribe_all(conn):
            run = runs.latest(conn)
            for n in range(chats):
                runs.set_chat_run(conn, -1_000_000_000_000 - n, run.id, None, clock())
                subscriptions.upsert(
                    conn,
                    chat_id=-1_000_000_000_000 - n,
                    kind="group",
                    title=f"Club {n}",
                    local_time="21:00",
                    timezone=None,
                    starts_on=date(2021, 8, 15),
                    subscribed_by=None,
                    now=clock(),
                )

        await sim.db.transaction(subscribe_all, changes=())
        sent = [c for c in await tick(sim, ist(15, 21, 0)) if c.chat_id != RAVI.id]  # Ravi: his nudge
        again = await tick(sim, ist(15, 21, 1))

    per_chat = Counter(c.chat_id for c in sent)
    assert len(per_chat) == chats and set(per_chat.values()) == {1}
    assert {c.text for c in sent} == {DAY1_WITH_SUPPORTERS}
    assert len(renders) == 1
    assert len(activity_reads) == 1
    assert again == []


# --- the supporters' part of the summary ----------------------------------------------------------


async def test_day1_summary_with_pledges_shows_the_supporters_day(unity):
    await subscribe(unity, FANS)
    await pledges_day1(unity)
    await post_day1(unity)

    sent = await tick(unity, ist(15, 21, 0))

    assert [c.chat_id for c in sent] == [FANS["id"], RAVI.id]  # Ravi, behind his pledge, gets a nudge
    assert sent[0].text == DAY1_WITH_SUPPORTERS


async def test_a_hidden_supporter_is_not_named_and_a_day_without_pledges_has_no_section(unity):
    await subscribe(unity, FANS)
    assert "🤝" not in (await tick(unity, ist(15, 21, 0)))[0].text.split("Route:")[1]  # nobody pledged yet

    unity.clock.now = ist(16, 7, 0)
    await unity.say(ASHA, "/pledge")
    await unity.say(ASHA, "/log 8")
    await unity.say(RAVI, "/log 3 <i>&</i>")  # logs without a pledge: counted, not a supporter yet
    await unity.say(ASHA, "/hideme")
    day2 = (await tick(unity, ist(16, 21, 0)))[0].text

    assert (
        "🤝 <b>Supporters today</b>: 1 new pledge · 11 km logged\n"
        "In all: 1 supporter · 20.8 km pledged · 11 km logged\n"
        "🏅 Top supporter today: Ravi, 3 km"
    ) in day2
    assert "Asha" not in day2

    await unity.say(RAVI, "/hideme")
    day3 = (await tick(unity, ist(17, 21, 0)))[0].text
    assert "🤝 <b>Supporters today</b>: no new pledge · no km logged\nIn all: 1 supporter" in day3
    assert "Top supporter" not in day3


async def test_the_final_summary_has_the_supporters_totals(unity):
    await subscribe(unity, FANS)
    await pledges_day1(unity)
    await post_day1(unity)

    final = (await tick(unity, ist(23, 21, 0)))[0].text

    assert final.startswith("🏁 <b>Final summary</b>")
    assert "\n\n🤝 <b>Supporters</b>: 2 supporters · 62.4 km pledged · 5 km logged\n\nThank you" in final
