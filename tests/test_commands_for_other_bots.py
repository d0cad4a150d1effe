"""A command addressed to another bot (/cmd@OtherBot), in a text, a caption or an edit, is left alone: only
/cmd and /cmd@ThisBot (any case) act."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.demo.files import activity_gpx, route_gpx, run_along, unity_route, unity_route_gpx
from bot.demo.simulator import group_chat
from storage import checkpoints, logs, routes, updates
from tests.conftest import ASHA, MILIND, ORGANISER

FANS = group_chat(-1005556667770, "Unity Run fans")
OTHER_ROUTE = route_gpx([(21.17, 72.83), (21.20, 72.90), (21.25, 72.95)], [("Elsewhere", 21.20, 72.90)], "Not ours")


async def test_a_route_captioned_for_another_bot_replaces_nothing(unity) -> None:
    await unity.send_file(ORGANISER, "unity.gpx", unity_route_gpx(), caption="/route")
    before = await unity.query(routes.length_of, 1)

    private = await unity.send_file(ORGANISER, "other.gpx", OTHER_ROUTE, caption="/route@OtherBot")
    payload = unity.updates.document(ORGANISER, "other.gpx", "doc-other", caption="/route@OtherBot", chat=FANS)
    in_group = await unity.send(payload)
    by_someone = await unity.send_file(ASHA, "other.gpx", OTHER_ROUTE, caption="/route@OtherBot")

    assert (private, by_someone) == ("", "")
    assert [c.method for c in in_group] == []
    assert await unity.query(routes.length_of, 1) == before
    assert (await unity.query(checkpoints.of_run, 1))[0].name == "Vasai"
    ours = await unity.send_file(ORGANISER, "other.gpx", OTHER_ROUTE, caption="/route@unityRUNbot")
    assert ours.startswith("🗺 The route of The Unity Run is") and await unity.query(routes.length_of, 1) != before


async def test_updates_and_logs_for_another_bot_count_nothing(unity) -> None:
    unity.clock.now = datetime(2021, 8, 15, 9, 0, tzinfo=UTC)
    replies = [
        await unity.say(MILIND, "/update@OtherBot 24"),
        await unity.say(MILIND, "/update@OtherBot 24", FANS),
        "\n".join(c.text for c in await unity.send(unity.updates.photo(MILIND, "/update@OtherBot 24"))),
        await unity.say(ASHA, "/log@OtherBot 5"),
        await unity.say(ASHA, "/log@OtherBot 5", FANS),
    ]
    posted = unity.updates.text(MILIND, "/update 20")
    await unity.send(posted)
    logged = unity.updates.text(ASHA, "/log 3")
    await unity.send(logged)
    replies += [
        "\n".join(c.text for c in await unity.send(unity.updates.edit(posted, text="/update@OtherBot 30"))),
        "\n".join(c.text for c in await unity.send(unity.updates.edit(logged, text="/log@OtherBot 4"))),
    ]
    walk = run_along(unity_route(), 1_000, 5_000, datetime(2021, 8, 15, 2, 0, tzinfo=UTC), pace_s_per_km=600, every_s=5)
    replies.append(await unity.send_file(ASHA, "walk.gpx", activity_gpx(walk), caption="/update@OtherBot"))

    assert replies == [""] * 8
    assert [u.update.metres for u in await unity.query(updates.of_day, 1, unity.clock().date())] == [20_000]
    assert (await unity.query(logs.last_of, 1, ASHA.id)).metres == 3_000
    ours = await unity.say(MILIND, "/update@UnityRunBot 4")
    assert ours.startswith("✅ Posted <b>4 km</b>")
