"""Pace reminders through the real Application: one private nudge a day for a supporter behind the pace
of their pledge, at the default summary time, never twice; /quiet and /nudge; none after the run."""

from bot.demo.simulator import Clock, Person, Simulator, error
from bot.edge import delivery
from storage import deliveries
from tests.conftest import ASHA, ORGANISER, RAVI, pledged_crowd
from tests.test_summaries import FANS, ist, no_limits, pledges_day1, set_up_unity, subscribe, tick

MEERA = Person(3003, "Meera")

RAVI_DAY1 = (
    "👟 Ravi, a friendly nudge for The Unity Run: you have logged 0 of 41.6 km, 5.2 km behind your pledge's pace.\n"
    "6 km a day from tomorrow gets you there by 22 Aug 2021. Log a walk with /log 5 [note].\n"
    "/quiet to stop these"
)


def nudges(calls, person: Person | None = None) -> list:
    return [c for c in calls if c.text.startswith("👟") and (person is None or c.chat_id == person.id)]


async def test_a_supporter_behind_gets_one_nudge_at_summary_time_and_one_on_track_none(unity):
    await pledges_day1(unity)  # Asha: 5 of 20.8 km, ahead of 2.6; Ravi: 0 of 41.6 km, 5.2 behind

    before = await tick(unity, ist(15, 20, 59))
    at_time = await tick(unity, ist(15, 21, 0))
    again = await tick(unity, ist(15, 21, 1))
    later = await tick(unity, ist(15, 23, 59))

    assert before == []
    assert [(c.chat_id, c.text) for c in at_time] == [(RAVI.id, RAVI_DAY1)]
    assert again == [] and later == []
    assert [d.status for d in await unity.query(deliveries.of_chat, RAVI.id)] == ["sent"]
    assert await unity.query(deliveries.of_chat, ASHA.id) == []


async def test_a_late_pledge_is_paced_from_the_day_it_was_made(unity):
    unity.clock.now = ist(17, 8, 0)  # day 3 of 8
    await unity.say(MEERA, "/pledge 12")  # "2 km a day for 6 days"
    await unity.say(MEERA, "/log 2")
    await unity.say(RAVI, "/pledge 12")

    day3 = await tick(unity, ist(17, 21, 0))

    assert [c.text for c in day3] == [
        "👟 Ravi, a friendly nudge for The Unity Run: you have logged 0 of 12 km, 2 km behind your pledge's pace.\n"
        "2.4 km a day from tomorrow gets you there by 22 Aug 2021. Log a walk with /log 5 [note].\n"
        "/quiet to stop these"
    ]


async def test_no_second_nudge_after_a_restart_and_a_new_one_the_next_day(tmp_path):
    clock = Clock(ist(15, 6, 30))
    admins = frozenset({ORGANISER.id})
    async with Simulator(tmp_path / "bot.db", admin_ids=admins, clock=clock) as first:
        await set_up_unity(first)
        await pledges_day1(first)
        assert nudges(await tick(first, ist(15, 21, 0)), RAVI) != []
        await first.say(ASHA, "/log 1")  # 6 of 20.8 km: on pace for day 2 as well (5.2)

    async with Simulator(tmp_path / "bot.db", admin_ids=admins, clock=clock) as second:
        after_restart = await tick(second, ist(15, 21, 5))
        day2 = await tick(second, ist(16, 21, 0))

    assert after_restart == []
    assert [c.chat_id for c in day2] == [RAVI.id]
    assert "logged 0 of 41.6 km, 10.4 km behind" in day2[0].text
    assert "7 km a day from tomorrow" in day2[0].text  # 41.6 km over the 6 days left: 6.93, rounded up


async def test_a_pass_cut_short_is_finished_later_without_sending_twice(tmp_path, monkeypatch):
    async def no_wait(seconds: float) -> None:
        pass

    monkeypatch.setattr(delivery, "sleep", no_wait)
    clock = Clock(ist(15, 6, 30))
    async with Simulator(
        tmp_path / "bot.db", admin_ids=frozenset({ORGANISER.id}), clock=clock, rate_limiter=no_limits()
    ) as sim:
        await set_up_unity(sim)
        await pledges_day1(sim)
        await sim.say(MEERA, "/pledge 10")
        left = [4]  # Ravi's first pass: 4 network failures, then the pass gives up on him for now

        def flaky(method, params):
            if method == "sendMessage" and int(params["chat_id"]) == RAVI.id and left[0]:
                left[0] -= 1
                return error(502, "Bad Gateway")
            return None

        sim.api.responder = flaky
        first = await tick(sim, ist(15, 21, 0))
        second = await tick(sim, ist(15, 21, 1))
        third = await tick(sim, ist(15, 21, 2))
        ravi = await sim.query(deliveries.of_chat, RAVI.id)

    assert sorted(c.chat_id for c in nudges(first)) == sorted([RAVI.id] * 4 + [MEERA.id])
    assert [c.chat_id for c in second] == [RAVI.id]  # Meera is not sent hers again
    assert third == []
    assert [(d.status, d.attempts) for d in ravi] == [("sent", 2)]


async def test_quiet_stops_the_nudges_and_nudge_turns_them_back_on(unity):
    await pledges_day1(unity)

    quiet = await unity.say(RAVI, "/quiet")
    quiet_again = await unity.say(RAVI, "/quiet")
    day1 = await tick(unity, ist(15, 21, 0))
    on = await unity.say(RAVI, "/nudge")
    on_again = await unity.say(RAVI, "/nudge")
    day2 = await tick(unity, ist(16, 21, 0))

    assert quiet == "🔕 No more pace reminders. /nudge turns them back on."
    assert quiet_again == "🔕 Pace reminders are off already. /nudge turns them back on."
    assert day1 == []
    assert on == (
        "🔔 Pace reminders are on: when your logged km fall behind the pace of your pledge, I send you one short "
        "private message that day at 21:00 (Asia/Kolkata time). /quiet stops them."
    )
    assert on_again.startswith("🔔 Pace reminders are on already: ")
    assert [c.chat_id for c in nudges(day2, RAVI)] == [RAVI.id]


async def test_quiet_before_pledging_is_kept_and_works_in_a_group(unity):
    await subscribe(unity, FANS)
    assert (await unity.say(RAVI, "/quiet@UnityRunBot", FANS)).startswith("🔕 No more pace reminders.")
    await pledges_day1(unity)

    assert nudges(await tick(unity, ist(15, 21, 0))) == []


async def test_a_hidden_supporter_is_still_nudged_privately(unity):
    await pledges_day1(unity)
    await unity.say(RAVI, "/hideme")

    assert nudges(await tick(unity, ist(15, 21, 0))) == [c for c in unity.api.sent(RAVI.id) if c.text == RAVI_DAY1]


async def test_the_last_day_nudges_then_none_after_the_end(unity):
    await pledges_day1(unity)

    last_day = await tick(unity, ist(22, 21, 0))
    after = await tick(unity, ist(23, 21, 0))

    assert sorted(c.chat_id for c in nudges(last_day)) == sorted([ASHA.id, RAVI.id])  # both short on the day
    assert [c.text for c in nudges(last_day, RAVI)] == [
        "👟 Ravi, a friendly nudge for The Unity Run: you have logged 0 of 41.6 km, 41.6 km behind your pledge's "
        "pace.\nToday is the run's last day: 41.6 km to go. Log a walk with /log 5 [note].\n/quiet to stop these"
    ]
    assert nudges(after) == []


async def test_no_nudges_once_an_organiser_closes_the_run(unity):
    await pledges_day1(unity)
    unity.clock.now = ist(16, 12, 0)
    await unity.say(ORGANISER, "/endrun")

    assert nudges(await tick(unity, ist(16, 21, 0))) == []
    assert nudges(await tick(unity, ist(17, 21, 0))) == []


async def test_a_blocked_supporter_does_not_stop_the_others(unity):
    await pledges_day1(unity)
    await unity.say(MEERA, "/pledge 10")

    def blocked(method, params):
        if method == "sendMessage" and int(params["chat_id"]) == RAVI.id:
            return error(403, "Forbidden: bot was blocked by the user")
        return None

    unity.api.responder = blocked
    sent = await tick(unity, ist(15, 21, 0))
    again = await tick(unity, ist(15, 21, 1))

    assert sorted(c.chat_id for c in sent) == sorted([RAVI.id, MEERA.id])  # each tried once
    assert "Meera, a friendly nudge" in nudges(sent, MEERA)[0].text
    assert again == []
    assert [d.status for d in await unity.query(deliveries.of_chat, RAVI.id)] == ["failed"]


async def test_help_lists_quiet_and_nudge(unity):
    text = await unity.say(ASHA, "/help")
    assert "/quiet" in text and "/nudge" in text


# --- cost -------------------------------------------------------------------------------------------


async def test_the_nudge_pass_reads_the_pledges_once_however_many_are_behind(tmp_path):
    """Besides each nudge's own row in the delivery log, the pass runs the same statements for 20
    supporters behind as for 200."""
    costs = []
    for size in (20, 200):
        clock = Clock(ist(15, 6, 30))
        async with Simulator(
            tmp_path / f"{size}.db", admin_ids=frozenset({ORGANISER.id}), clock=clock, rate_limiter=no_limits()
        ) as sim:
            await set_up_unity(sim)
            await pledged_crowd(sim, size)  # each behind: 1 of 20.8 km
            statements: list[str] = []
            await sim.db.conn.set_trace_callback(statements.append)
            sent = await tick(sim, ist(15, 21, 0))
            await sim.db.conn.set_trace_callback(None)
        assert len(nudges(sent)) == size
        others = [s for s in statements if "deliveries" not in s and s not in ("BEGIN IMMEDIATE", "BEGIN", "COMMIT")]
        costs.append(len(others))
    assert costs[0] == costs[1]


async def test_names_are_escaped_in_the_summary_and_the_nudge(unity):
    hostile = Person(3004, "<b>x</b> & co")
    await subscribe(unity, FANS)
    unity.clock.now = ist(15, 7, 0)
    await unity.say(hostile, "/pledge 50")
    await unity.say(hostile, "/log 1")

    sent = await tick(unity, ist(15, 21, 0))

    summary, nudge = sorted(sent, key=lambda c: c.chat_id)
    assert "🏅 Top supporter today: &lt;b&gt;x&lt;/b&gt; &amp; co, 1 km" in summary.text
    assert nudge.text.startswith("👟 &lt;b&gt;x&lt;/b&gt; &amp; co, a friendly nudge")
    assert "<b>x</b>" not in summary.text + nudge.text
