"""The exact words of the chat, follow, pledge and reminder replies, through the real Application, and
the figures of the pure helpers at their rounding edges."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.demo.simulator import group_chat
from bot.edge.jobs import SUMMARIES
from bot.replies import render
from storage import runs
from tests.conftest import ANKITA, ASHA, MILIND, ORGANISER, RAVI, UNITY_RUN

IST = ZoneInfo("Asia/Kolkata")
FANS = group_chat(-1001234567890, "Unity Run fans")
CHANGE = "Change it with /subscribe HH:MM [time zone], stop it with /unsubscribe."


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2021, 8, day, hour, minute, tzinfo=IST)


# --- subscriptions, follows, the bot added to a group ---


async def test_subscribe_before_any_run_and_in_a_group_during_one(sim):
    before = await sim.say(ASHA, "/subscribe")
    await sim.say(ORGANISER, UNITY_RUN)
    sim.api.admins[FANS["id"]] = [RAVI]
    group = await sim.say(RAVI, "/subscribe 6:00", FANS)  # 06:30 in Mumbai now: from tomorrow

    assert before == (
        "✅ You will get the daily summary of the run at 21:00 (Asia/Kolkata time).\n"
        "There is no run yet: the summaries start once this chat follows one (its link, or /runs).\n" + CHANGE
    )
    assert group == (
        "✅ This group will get the daily summary of <b>The Unity Run</b> at 06:00 (Asia/Kolkata time).\n"
        "The first one comes on 16 Aug 2021.\n" + CHANGE
    )


async def test_subscribe_on_the_last_day_and_after_the_run(unity):
    unity.clock.now = ist(22, 6, 0)
    last_day = await unity.say(ASHA, "/subscribe")
    unity.clock.now = ist(23, 6, 0)
    after = await unity.say(RAVI, "/subscribe")

    assert last_day.split("\n")[1] == "The first one comes on 22 Aug 2021."
    assert after == (
        "✅ You will get the daily summary of <b>The Unity Run</b> at 21:00 (Asia/Kolkata time).\n" + CHANGE
    )


async def test_unsubscribe_follow_and_unfollow_say_what_changed(unity):
    await unity.say(ASHA, "/subscribe")
    assert await unity.say(ASHA, "/unsubscribe") == "🔕 The daily summary here has stopped. /subscribe starts it again."
    assert await unity.say(ASHA, "/unsubscribe") == "There is no daily summary here to stop. /subscribe starts one."
    assert await unity.say(ASHA, "/follow") == (
        "🔔 You will get a short message here for each update of The Unity Run. /unfollow stops them."
    )
    assert await unity.say(ASHA, "/follow") == "You follow The Unity Run already. /unfollow stops the messages."
    assert await unity.say(ASHA, "/unfollow") == (
        "🔕 No more update messages of The Unity Run. /follow turns them back on."
    )
    assert await unity.say(ASHA, "/unfollow") == (
        "You were not following The Unity Run. /follow sends you a message for each update."
    )


async def test_the_bot_added_to_a_group_says_hello(sim):
    no_run = await sim.send(sim.updates.my_membership(FANS, ASHA, "left", "member"))
    await sim.say(ORGANISER, UNITY_RUN)
    family = group_chat(-4012345, "Family", kind="group")
    with_run = await sim.send(sim.updates.my_membership(family, ASHA, "left", "member"))

    tail = (
        ": progress, the runners' updates, milestones.\n"
        "An administrator can send /subscribe for a daily summary here at 21:00 ({zone} time), "
        "or /subscribe HH:MM [time zone] for another time.\n"
        "Anyone can ask /progress or /today."
    )
    assert [c.text for c in no_run if c.method == "sendMessage"] == [
        "👋 Hello, everyone! I follow long-distance runs" + tail.format(zone="Asia/Kolkata")
    ]
    assert [c.text for c in with_run if c.method == "sendMessage"] == [
        "👋 Hello, everyone! I follow <b>The Unity Run</b>: Mumbai → Statue of Unity for its supporters"
        + tail.format(zone="Asia/Kolkata")
    ]


def test_lost_rights_names_the_group_or_says_which_kind():
    rest = ", so its daily summary has stopped. Let me send messages there again, then send /subscribe in that group."
    assert render.lost_rights("Fans & <co>") == "I may no longer send messages in <b>Fans &amp; &lt;co&gt;</b>" + rest
    assert render.lost_rights(None) == "I may no longer send messages in a group you subscribed" + rest


# --- pledges ---


async def test_mypledge_without_a_pledge_and_with_logs(unity):
    await unity.say(ASHA, "/log 3")
    assert await unity.say(ASHA, "/mypledge") == (
        "🤝 <b>Asha</b>, your pledge for The Unity Run\n"
        "You have not pledged yet.\n"
        "You logged 3 km.\n"
        "Make it a pledge: /pledge commits 5% of the run, or tap a share below.\n"
        "🏅 Rank 1 among supporters by km logged"
    )
    assert await unity.say(RAVI, "/mypledge") == (
        "🤝 <b>Ravi</b>, your pledge for The Unity Run\n"
        "You have not pledged yet.\n"
        "Make it a pledge: /pledge commits 5% of the run, or tap a share below."
    )


async def test_mypledge_before_the_first_log_on_the_last_day_and_hidden(unity):
    unity.clock.now = ist(21, 9, 0)
    await unity.say(ASHA, "/pledge 1 km")
    await unity.say(ASHA, "/hideme")
    unity.clock.now = ist(22, 9, 0)

    assert await unity.say(ASHA, "/mypledge") == (
        "🤝 <b>Asha</b>, your pledge for The Unity Run\n"
        "<b>0 of 1 km</b> logged · 0%\n"
        "░░░░░░░░░░░░░░░░░░░░\n"
        "Pledged: 1 km, 0.2% of the run's 416 km\n"
        "1 km left · 1 day left · 1 km a day needed (by 22 Aug 2021)\n"
        "Log your first km with /log 5 [note] to get on the /supporters board.\n"
        "You are hidden from the /supporters list; /showme puts you back."
    )
    assert await unity.say(ASHA, "/showme") == "🙂 You are on the /supporters list again (first name only)."


async def test_two_days_left_are_days(unity):
    unity.clock.now = ist(21, 9, 0)
    await unity.say(ASHA, "/pledge 1 km")
    assert "1 km left · 2 days left · 0.5 km a day needed" in await unity.say(ASHA, "/mypledge")


async def test_reaching_the_pledge_is_celebrated(unity):
    await unity.say(ASHA, "/pledge 1 km")
    logged = await unity.say(ASHA, "/log 1.2")
    hidden = await unity.say(ASHA, "/hideme")
    mine = await unity.say(ASHA, "/mypledge")

    assert logged == (
        "✅ Logged <b>1.2 km</b> for 15 Aug 2021 · The Unity Run\nYour pledge: 1.2 of 1 km · 120%.\n"
        "🎉 Asha, you reached your pledge of 1 km! Thank you for going the distance with the run."
    )
    assert hidden == "🙈 You are off the /supporters list now; your km still count. /showme puts you back."
    assert "\n🎉 Pledge reached! Every km more still counts.\n" in mine


async def test_a_pledge_made_with_km_logged_already_shows_what_is_left(unity):
    await unity.say(ASHA, "/log 5")
    reply = await unity.say(ASHA, "/pledge")
    assert reply.split("\n")[1] == "5 km logged, 15.8 km to go. Do it by 22 Aug 2021: 2 km a day for 8 days."
    assert (await unity.say(RAVI, "/pledge 1 km")).split("\n")[1] == (
        "Do it by 22 Aug 2021: 0.2 km a day for 8 days."  # 125 m a day, shown rounded up
    )


async def test_a_pledge_reached_at_once(unity):
    await unity.say(ASHA, "/log 5")
    assert (await unity.say(ASHA, "/pledge 2 km")).split("\n")[1] == "🎉 You have logged 5 km: pledge reached!"


# --- summaries: the supporters' part, the final one with the last day's updates ---


async def test_the_final_summary_lists_the_last_days_updates_and_its_supporters_day(unity):
    unity.api.admins[FANS["id"]] = [ASHA]
    await unity.say(ASHA, "/subscribe", FANS)
    await unity.say(RAVI, "/pledge")
    unity.clock.now = ist(16, 10, 0)
    await unity.say(MILIND, "/update 30 Heat")
    await unity.say(RAVI, "/log 2")
    await unity.say(ORGANISER, "/endrun")
    unity.clock.now = ist(16, 21, 0)

    [final] = [c.text for c in await unity.run_jobs(SUMMARIES) if c.method in ("sendMessage", "sendPhoto") and c.text]

    assert final.startswith(
        "🏁 <b>Final summary</b> · <b>The Unity Run</b>: Mumbai → Statue of Unity\n"
        "\n"
        "Finished: <b>30 km</b> of the planned 416 km · 7.2%\n"
    )
    assert "\n\n16 Aug 2021:\n🏃 <b>Milind Soman</b>: 30 km\n    Heat\n" in final
    assert (
        "🤝 <b>Supporters</b>: 1 supporter · 20.8 km pledged · 2 km logged\nToday: no new pledge · 2 km logged\n"
        in final
    )


# --- pure helpers at their edges ---


def test_percent_and_times_run_round_half_up():
    assert render.percent(0.0125) == "1.3%"
    assert render.percent(0.0005) == "0.1%"
    assert render.times_run(1.25) == "1.3× the run's distance"
    assert render.times_run(2.0) == "2× the run's distance"
    assert render.times_run(0.15) == "15% of the run's distance"


def test_an_empty_bar_has_no_filled_cell():
    assert render.bar(0) == "░" * 20
    assert render.bar(-0.5) == "░" * 20
    assert render.bar(0.999) == "█" * 19 + "░"


async def test_day_and_invite_wording(unity):
    run = await unity.query(runs.latest)
    assert render.day_text(date(2021, 8, 5)) == "5 Aug 2021"
    assert render.invite_link("UnityRunBot", run, "tok", "lead", datetime(2021, 8, 16, 1, 30, tzinfo=UTC)) == (
        "Invite for a lead runner of The Unity Run, valid once until 16 Aug 2021 01:30 UTC:\n"
        "https://t.me/UnityRunBot?start=tok"
    )
    assert render.invite_link("UnityRunBot", run, "tok", "organiser", datetime(2021, 8, 16, 1, 30, tzinfo=UTC)) == (
        "Invite for a co-organiser of The Unity Run, valid once until 16 Aug 2021 01:30 UTC:\n"
        "https://t.me/UnityRunBot?start=tok"
    )


async def test_today_lists_the_lead_first_though_the_companion_posted_first(unity):
    unity.clock.now = ist(15, 17, 0)
    await unity.say(ANKITA, "/update 28 16 flyovers!")
    await unity.say(MILIND, "/update 24 Day one done")

    reply = await unity.say(ASHA, "/today")

    assert reply.split("\n")[3:7] == [
        "🏃 <b>Milind Soman</b>: 24 km",
        "    Day one done",
        "🤝 <b>Ankita Konwar</b> (companion): 28 km",
        "    16 flyovers!",
    ]


# --- pace reminders ---


async def test_the_last_days_nudge_counts_what_is_left_after_the_km_logged(unity):
    unity.clock.now = ist(15, 7, 0)
    await unity.say(RAVI, "/pledge 10%")
    await unity.say(RAVI, "/log 2")

    unity.clock.now = ist(22, 21, 0)
    sent = [c.text for c in await unity.run_jobs(SUMMARIES) if c.chat_id == RAVI.id]

    assert len(sent) == 1
    assert "you have logged 2 of 41.6 km" in sent[0]
    assert "\nToday is the run's last day: 39.6 km to go. Log a walk with /log 5 [note].\n" in sent[0]


async def test_reminders_on_before_any_run_name_no_zone(sim):
    assert await sim.say(RAVI, "/nudge") == (
        "🔔 Pace reminders are on already: when your logged km fall behind the pace of your pledge, I send you "
        "one short private message that day at 21:00. /quiet stops them."
    )
