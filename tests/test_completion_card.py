"""The card a supporter gets when their pledge is completed, however the km that completed it came: /log,
an edited /log, or a watch file sent in private."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.demo.files import activity_gpx, run_along, unity_route
from bot.demo.simulator import Simulator
from tests.conftest import ASHA

PNG = b"\x89PNG"


async def cards(sim: Simulator, chat_id: int) -> list:
    """The cards sent to `chat_id`, once one has come (a card is drawn while the bot goes on; 15 s at most)."""
    for _ in range(1500):
        sent = [c for c in sim.api.sent(chat_id) if c.method == "sendPhoto" and c.text.startswith("🏅")]
        if sent:
            break
        await asyncio.sleep(0.01)
    return sent


def walk_file(km: float, started: datetime) -> bytes:
    return activity_gpx(run_along(unity_route(), 1_000, km * 1000, started, pace_s_per_km=600, every_s=5))


async def test_a_watch_file_that_completes_the_pledge_brings_the_card_once(unity) -> None:
    unity.clock.now = datetime(2021, 8, 15, 9, 0, tzinfo=UTC)
    await unity.say(ASHA, "/pledge 8")
    await unity.say(ASHA, "/log 3")
    reply = await unity.send_file(ASHA, "walk.gpx", walk_file(5, datetime(2021, 8, 15, 2, 0, tzinfo=UTC)))
    [card] = await cards(unity, ASHA.id)
    unity.clock.now += timedelta(hours=3)
    await unity.send_file(ASHA, "evening.gpx", walk_file(2, datetime(2021, 8, 15, 10, 0, tzinfo=UTC)))
    await asyncio.sleep(0.5)  # time to draw a second card, were there one

    assert "Logged <b>5 km</b> for day 1 from your activity file" in reply
    assert "You have logged 8 km of your 8 km pledge." in reply
    assert card.chat_id == ASHA.id and card.uploads["photo"].startswith(PNG)
    assert card.params["caption"] == "🏅 Asha: 8 km for The Unity Run"
    assert len(await cards(unity, ASHA.id)) == 1  # reached once, celebrated once
