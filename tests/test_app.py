"""The application's wiring: command menu, unexpected errors, long replies."""

import logging

from bot.demo.simulator import Clock, Person, Simulator, error
from bot.services import tracking
from tests.conftest import ASHA, DAY1_MORNING, ORGANISER, UNITY_RUN, invite


async def test_command_menu_is_published_for_everyone_and_for_organisers(sim):
    menus = [c for c in sim.api.calls if c.method == "setMyCommands"]
    everyone = [m for m in menus if "scope" not in m.params]
    organisers = [m for m in menus if "scope" in m.params]
    published = [c["command"] for c in everyone[0].params["commands"]]
    assert {"progress", "today", "help", "update", "undo", "subscribe", "quiet", "nudge"} <= set(published)
    assert "newrun" not in published
    assert organisers[0].params["scope"] == {"type": "chat", "chat_id": ORGANISER.id}
    assert "newrun" in [c["command"] for c in organisers[0].params["commands"]]


async def test_a_failing_command_menu_is_logged_not_fatal(tmp_path, caplog):
    simulator = Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), clock=Clock(DAY1_MORNING))
    simulator.api.responder = lambda method, params: (
        error(400, "Bad Request: chat not found") if method == "setMyCommands" else None
    )
    with caplog.at_level(logging.WARNING):
        async with simulator as sim:
            assert "New run" in await sim.say(ORGANISER, UNITY_RUN)
    assert "Could not publish the command menu" in caplog.text


async def test_an_unexpected_error_gets_an_apology_and_is_logged(unity, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(tracking, "progress_report", broken)
    with caplog.at_level(logging.ERROR):
        reply = await unity.say(ASHA, "/progress")
    assert reply == "Sorry, something went wrong on my side. Please try again in a moment."
    assert "disk on fire" in caplog.text


async def test_a_long_today_is_split_into_messages_within_telegrams_limit(unity):
    unity.clock.advance(hours=11)
    for n in range(12):
        relay = Person(4000 + n, f"Relay{n}")
        await unity.say(relay, f"/start {await invite(unity, 'companion')}")
        await unity.say(relay, f"/update 5 {'&' * 480}")
    calls = await unity.send(unity.updates.text(ASHA, "/today"))
    texts = [c.text for c in calls if c.method == "sendMessage"]
    assert len(texts) >= 2
    assert all(len(t) <= 4096 for t in texts)
    assert sum(t.count("🤝 <b>Relay") for t in texts) == 12
