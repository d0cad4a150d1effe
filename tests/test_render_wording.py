"""Replies as a user reads them, through the real Application: a relay's /progress, ahead of plan,
the finish, and the exact wording of the replies no other test reads in full."""

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.demo.simulator import Person, group_chat
from tests.conftest import ANKITA, ASHA, MILIND, ORGANISER, RAVI, invite

IST = ZoneInfo("Asia/Kolkata")
FANS = group_chat(-1001234567890, "Unity Run fans")
RAHUL = Person(2003, "Rahul", "Bose")


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2021, 8, day, hour, minute, tzinfo=IST)


async def test_a_relay_progress_lists_each_lead_runner_and_adds_them_up(unity):
    await unity.say(RAHUL, f"/start {await invite(unity, 'lead')}")
    unity.clock.now = ist(15, 17, 30)
    await unity.say(MILIND, "/update 24 Morning leg")
    await unity.say(RAHUL, "/update 30 Evening leg")
    await unity.say(ANKITA, "/update 28")

    reply = await unity.say(ASHA, "/progress")

    assert reply == (
        "<b>The Unity Run</b>: Mumbai → Statue of Unity\n"
        "Day 1 of 8\n"
        "\n"
        "<b>54 km</b> of 416 km · 13%\n"
        "██░░░░░░░░░░░░░░░░░░\n"
        "362 km to go\n"
        "\n"
        "Average so far: 54 km a day\n"
        "Needed: 51.7 km a day to finish by 22 Aug 2021\n"
        "Ahead of plan by 2 km\n"
        "Projected finish at this pace: 22 Aug 2021\n"
        "\n"
        "🏃 Milind Soman: 24 km\n"
        "🏃 Rahul Bose: 30 km\n"
        "🤝 Beside the route: Ankita Konwar 28 km (companion, not added)"
    )


async def test_a_single_lead_is_not_listed_again_and_no_blank_line_without_companions(sim):
    await sim.say(ORGANISER, "/newrun Solo | A | B | 100 | 2021-08-15 | 2021-08-18 | Asia/Kolkata")
    await sim.say(MILIND, f"/start {await invite(sim, 'lead')}")
    sim.clock.now = ist(15, 17, 30)
    await sim.say(MILIND, "/update 20")

    reply = await sim.say(ASHA, "/progress")

    assert reply == (
        "<b>Solo</b>: A → B\n"
        "Day 1 of 4\n"
        "\n"
        "<b>20 km</b> of 100 km · 20%\n"
        "████░░░░░░░░░░░░░░░░\n"
        "80 km to go\n"
        "\n"
        "Average so far: 20 km a day\n"
        "Needed: 26.7 km a day to finish by 18 Aug 2021\n"
        "Behind plan by 5 km (plan: 25 km by today)\n"
        "Projected finish at this pace: 19 Aug 2021"
    )


async def test_on_plan_there_is_neither_behind_nor_ahead(unity):
    unity.clock.now = ist(15, 17, 30)
    await unity.say(MILIND, "/update 52")

    reply = await unity.say(ASHA, "/progress")

    assert "Needed: 52 km a day to finish by 22 Aug 2021\nProjected finish at this pace: 22 Aug 2021" in reply
    assert "plan" not in reply.replace("to finish", "")


async def test_the_distance_covered_before_the_end_date(unity):
    unity.clock.now = ist(15, 17, 30)
    await unity.say(MILIND, "/update 300")
    unity.clock.now = ist(16, 17, 30)
    await unity.say(MILIND, "/update 116")

    reply = await unity.say(ASHA, "/progress")

    assert reply == (
        "<b>The Unity Run</b>: Mumbai → Statue of Unity\n"
        "Day 2 of 8\n"
        "\n"
        "<b>416 km</b> of 416 km · 100%\n"
        "████████████████████\n"
        "🎉 The full distance is covered!\n"
        "\n"
        "Average: 208 km a day\n"
        "\n"
        "🤝 Beside the route: Ankita Konwar 0 km (companion, not added)"
    )


async def test_the_finish_milestone_is_announced_with_its_own_words(unity):
    unity.api.admins[FANS["id"]] = [ASHA]
    await unity.say(ASHA, "/subscribe", FANS)
    unity.clock.now = ist(15, 17, 30)
    await unity.say(MILIND, "/update 300")
    await unity.deliver()
    unity.clock.now = ist(17, 9, 0)
    await unity.say(MILIND, "/update 116 At the Statue")

    finish = [c for c in await unity.deliver() if c.chat_id == FANS["id"]]

    assert [c.text for c in finish] == [
        "🏁 <b>The finish!</b>\nThe full 416 km of The Unity Run is covered, on day 3.\n/progress for the details"
    ]


async def test_a_halfway_milestone_has_the_party_icon_and_the_figures(unity):
    unity.api.admins[FANS["id"]] = [ASHA]
    await unity.say(ASHA, "/subscribe", FANS)
    unity.clock.now = ist(16, 17, 30)
    await unity.say(MILIND, "/update 210")

    texts = [c.text for c in await unity.deliver() if c.chat_id == FANS["id"]]

    assert texts == [
        "🎉 <b>Halfway!</b>\nThe Unity Run has passed 50% of its route on day 2: 210 km of 416 km.\n"
        "/progress for the details"
    ]


async def test_a_lead_follower_message_shows_his_own_total_when_it_differs_from_the_route(unity):
    await unity.say(RAHUL, f"/start {await invite(unity, 'lead')}")
    await unity.say(ASHA, "/follow")
    unity.clock.now = ist(15, 17, 30)
    await unity.say(MILIND, "/update 24")
    await unity.deliver()
    await unity.say(RAHUL, "/update 30")

    [message] = [c for c in await unity.deliver() if c.chat_id == ASHA.id]

    assert message.text == (
        "🏃 <b>Rahul Bose</b> · The Unity Run: +30 km (day 1)\n"
        "Route so far: 54 of 416 km · 13%\nRahul Bose: 30 km in all"
    )


async def test_posting_correcting_and_undoing_an_update_read_in_full(unity):
    unity.clock.now = ist(16, 17, 30)
    first = unity.updates.text(MILIND, "/update 24 Day two")
    posted = [c.text for c in await unity.send(first)]
    corrected = [c.text for c in await unity.send(unity.updates.edit(first, text="/update 25.5 Day two"))]
    undone = await unity.say(MILIND, "/undo")

    assert posted == ["✅ Posted <b>24 km</b> for day 2 · The Unity Run\nYour total: 24 km. /progress shows the route."]
    assert corrected == [
        "✏️ Corrected: 24 km → <b>25.5 km</b> · The Unity Run\nYour total: 25.5 km. /progress shows the route."
    ]
    assert undone == "↩️ Removed your update of 25.5 km (16 Aug 2021) from The Unity Run.\nYour total: 0 km."


async def test_organiser_replies_read_in_full(sim):
    created = await sim.say(
        ORGANISER, "/newrun The <Unity> Run | Mumbai | Statue of Unity | 416 | 2021-08-15 | 2021-08-22 | Asia/Kolkata"
    )
    distance = await sim.say(ORGANISER, "/setdistance 420")
    end = await sim.say(ORGANISER, "/setend 2021-08-23")

    assert created == (
        "🏁 New run: <b>The &lt;Unity&gt; Run</b>: Mumbai → Statue of Unity\n"
        "416 km, 15 Aug 2021 to 22 Aug 2021 (8 days), time zone Asia/Kolkata.\n"
        "Invite runners with /invite lead or /invite companion, co-organisers with /invite organiser.\n"
        "Supporters join at https://t.me/UnityRunBot?start=the-unity-run\n"
        "Add me to a group for it: https://t.me/UnityRunBot?startgroup=the-unity-run\n"
        "Your commands here are about this run now; /runs switches."
    )
    assert distance == "Distance of The &lt;Unity&gt; Run: 416 km → 420 km."
    assert end == "End date of The &lt;Unity&gt; Run: 22 Aug 2021 → 23 Aug 2021."


async def test_joining_as_lead_or_companion_and_the_welcome(sim):
    await sim.say(ORGANISER, "/newrun The Unity Run | Mumbai | Statue of Unity | 416 | 2021-08-15 | 2021-08-22")
    lead = await sim.say(MILIND, f"/start {await invite(sim, 'lead')}")
    companion = await sim.say(ANKITA, f"/start {await invite(sim, 'companion')}")
    welcome = await sim.say(RAVI, "/start")

    hint = (
        "Post your km with /update 24 [note], or send a photo with that caption. "
        "Share your location with me here so supporters can see where you are."
    )
    heading = "<b>The Unity Run</b>: Mumbai → Statue of Unity"
    assert lead == f"Welcome, Milind Soman! You are the lead runner of {heading}.\n{hint}"
    assert companion == f"Welcome, Ankita Konwar! You are a companion runner of {heading}.\n{hint}"
    assert welcome.startswith(
        "👋 I follow a long-distance run for its supporters: progress, daily updates, and more.\n"
        f"Now following {heading}, 416 km, 15 Aug 2021 to 22 Aug 2021.\n\n"
    )


async def test_the_welcome_before_any_run(sim):
    welcome = await sim.say(ASHA, "/start")
    assert welcome.split("\n")[:3] == [
        "👋 I follow a long-distance run for its supporters: progress, daily updates, and more.",
        "There is no run yet.",
        "",
    ]


async def test_a_live_location_and_a_single_one(unity):
    single = await unity.send(unity.updates.location(MILIND, 19.25, 72.86))
    live = await unity.send(unity.updates.location(MILIND, 19.26, 72.87, live_period=3600))

    assert [c.text for c in single] == ["📍 Position saved for The Unity Run."]
    assert [c.text for c in live] == ["📍 Position saved for The Unity Run. It will follow your live location."]
