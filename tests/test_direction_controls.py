"""Names with Unicode direction controls (overrides, embeddings, isolates, marks) and other invisible format
characters: cleaned where they come in and where they are shown, so no name turns the text after it around."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from bot.demo.simulator import Person
from bot.domain.names import display_name
from bot.edge import live_page
from storage import logs, pledges, runs, supporters
from tests.conftest import ORGANISER, RAVI, invite
from tests.test_summaries import FANS, ist, subscribe, tick

CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\ufeff\u2060"
EVIL = Person(3666, "\u202eEvil")
SNEAKY_RUNNER = Person(2666, "\u2067Sneaky\u2069", "\u200fRunner")


def clean(text: str) -> bool:
    return not any(c in text for c in CONTROLS)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\u202eEvil", "Evil"),
        ("A\u2066b\u2069c\u200e\u200f\u061c", "Abc"),
        ("\u200b\u2060\ufeff", ""),
        ("\u200d", ""),  # a joiner alone shows as nothing
        ("क्\u200dष", "क्\u200dष"),  # the joiners stay: Indic scripts and emoji need them
        ("می\u200cخواهم", "می\u200cخواهم"),
        ("👩\u200d💻  Asha ", "👩\u200d💻 Asha"),
    ],
)
def test_display_name_drops_format_characters_but_the_joiners(raw, shown):
    assert display_name(raw) == shown


async def wait_for_photo(sim, chat_id: int) -> list:
    for _ in range(1500):  # a card is drawn while the bot goes on: wait for it (15 s at most)
        photos = [c for c in sim.api.sent(chat_id) if c.method == "sendPhoto"]
        if photos:
            return photos
        await asyncio.sleep(0.01)
    return []


async def test_a_name_with_direction_controls_turns_nothing_around_anywhere(unity):
    await subscribe(unity, FANS)
    await unity.say(RAVI, "/follow")
    await unity.say(SNEAKY_RUNNER, f"/start {await invite(unity, 'companion')}")
    unity.clock.now = ist(15, 8, 0)
    pledged = await unity.say(EVIL, "/pledge 5")
    logged = await unity.say(EVIL, "/log 5 Evening walk")
    [card] = await wait_for_photo(unity, EVIL.id)
    await unity.send(unity.updates.photo(SNEAKY_RUNNER, "/update 7 Sunrise"))
    news = [c.text for c in await unity.deliver() if c.chat_id == RAVI.id]
    today = await unity.say(RAVI, "/today")
    board = await unity.say(RAVI, "/supporters")
    [summary] = await tick(unity, ist(15, 21, 0))

    assert "Thank you, Evil!" in pledged and "🎉 Evil, you reached your pledge" in logged
    assert card.params["caption"] == "🏅 Evil: 5 km for The Unity Run"
    assert "1. Evil: 5 km" in board
    assert "🏅 Top supporter today: Evil, 5 km" in summary.text
    assert "🤝 <b>Sneaky Runner</b> (companion): 7 km 📷" in today
    assert "Sneaky Runner: 7 km\nSunrise" in [c.text for c in unity.api.sent(RAVI.id)]  # /today's photo
    assert news and news[0].startswith("🏃 <b>Sneaky Runner</b> · The Unity Run: +7 km")
    for text in (pledged, logged, card.params["caption"], board, summary.text, today, *news):
        assert clean(text), ascii(text)


async def stored_as_before(sim, title: str, start_place: str = "Mumbai") -> None:
    """The run's names and a supporter who logged 3 km, as an earlier version stored them: controls and all."""
    run = await sim.query(runs.latest)
    at = sim.clock()

    def write(conn):
        conn.execute("UPDATE runs SET title = ?, start_place = ? WHERE id = ?", (title, start_place, run.id))
        supporters.save(conn, EVIL.id, "\u202eEvil", at)
        pledges.join(conn, run.id, EVIL.id, at)
        pledges.set_pledged(conn, run.id, EVIL.id, 20_800, at)
        logs.add(
            conn, run_id=run.id, user_id=EVIL.id, local_day=run.start_date, metres=3_000, note=None,
            chat_id=EVIL.id, message_id=1, at=at,
        )  # fmt: skip

    await sim.db.transaction(write)


async def test_names_stored_before_they_were_cleaned_are_cleaned_when_shown(unity):
    """A supporter and a run saved by an earlier version, controls and all."""
    await stored_as_before(unity, title="The \u202eUnity\u202c Run")
    await subscribe(unity, FANS)
    board = await unity.say(RAVI, "/supporters")
    progress = await unity.say(RAVI, "/progress")
    [summary] = await tick(unity, ist(15, 21, 0))

    assert "Supporters of The Unity Run" in board and "1. Evil: 3 km" in board
    assert progress.startswith("<b>The Unity Run</b>: Mumbai → Statue of Unity")
    assert "🏅 Top supporter today: Evil, 3 km" in summary.text
    for text in (board, progress, summary.text):
        assert clean(text), ascii(text)


async def test_the_pages_json_shows_every_name_cleaned(unity):
    await stored_as_before(unity, title="\u202eUnity", start_place="\u2067Mumbai")
    await unity.say(SNEAKY_RUNNER, f"/start {await invite(unity, 'companion')}")
    unity.clock.now = ist(15, 8, 0)
    await unity.say(SNEAKY_RUNNER, "/update 7 Sunrise")
    transport = httpx.ASGITransport(app=live_page.web_app(unity.app))
    async with httpx.AsyncClient(transport=transport, base_url="http://page") as client:
        page = (await client.get("/api/run.json")).json()

    assert (page["run"]["title"], page["run"]["start_place"]) == ("Unity", "Mumbai")
    assert [e["name"] for e in page["supporters"]["board"]] == ["Evil"]
    assert [c["name"] for c in page["companions"]] == ["Ankita Konwar", "Sneaky Runner"]
    assert [u["runner"] for u in page["updates"]] == ["Sneaky Runner"]
    assert clean(json.dumps(page, ensure_ascii=False))


async def test_a_run_named_with_direction_controls_is_stored_clean(sim):
    reply = await sim.say(
        ORGANISER,
        "/newrun \u202eThe Unity Run | Mum\u200bbai | \u2067Statue\u2069 of Unity | 416 | 2021-08-15 | 2021-08-22",
    )
    run = await sim.query(runs.latest)
    assert (run.title, run.start_place, run.end_place) == ("The Unity Run", "Mumbai", "Statue of Unity")
    assert clean(reply)
    refused = await sim.say(ORGANISER, "/newrun \u202e\u200b | A | B | 100 | 2021-09-01 | 2021-09-05")
    assert refused.startswith("The title, start and finish need letters you can see.")
