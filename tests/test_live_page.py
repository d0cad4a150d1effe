"""The live page over the bot's own data, /position, /chart, the buttons and the summary's chart photo,
all through the real Application and its fake Bot API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from bot.demo.simulator import FAKE_TOKEN, Simulator, group_chat
from bot.edge import live_page
from bot.edge.jobs import SUMMARIES
from bot.web.initdata import sign_init_data
from tests.conftest import ANKITA, ASHA, MILIND, ORGANISER, RAVI, UNITY_RUN
from tests.test_summaries import FANS, ist, subscribe

PNG = b"\x89PNG\r\n\x1a\n"
UNITY_JSON = "/r/the-unity-run/run.json"  # the Unity Run's own address (its slug, from its title)


async def day_one(sim: Simulator) -> None:
    """Day 1 as the demo plays it: 24 km with a photo, Ankita's 28 km, two positions, two pledges."""
    sim.clock.now = ist(15, 17, 0)
    await sim.send(sim.updates.location(MILIND, 19.0176, 72.8562))
    sim.clock.now = ist(15, 18, 0)
    await sim.send(sim.updates.photo(MILIND, "/update 24 Day one <done>", file_id="photo-day1"))
    await sim.say(ANKITA, "/update 28 16 flyovers!")
    await sim.send(sim.updates.location(MILIND, 19.2502, 72.8597))
    await sim.say(ASHA, "/pledge")
    await sim.say(ASHA, "/log 5")
    await sim.say(RAVI, "/pledge 10%")
    await sim.say(RAVI, "/log 7")
    await sim.say(RAVI, "/hideme")
    sim.clock.now = ist(15, 18, 40)


@pytest.fixture
async def http(unity: Simulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=live_page.web_app(unity.app))
    async with httpx.AsyncClient(transport=transport, base_url="http://page") as client:
        yield client


def init_data(user_id: int, sim: Simulator, token: str = FAKE_TOKEN) -> str:
    user = json.dumps({"id": user_id, "first_name": "Asha"})
    return sign_init_data({"user": user, "auth_date": str(int(sim.clock().timestamp()) - 60)}, token)


async def test_the_page_json_shows_the_runs_figures_and_never_a_hidden_supporter(unity, http):
    await day_one(unity)
    page = (await http.get(UNITY_JSON)).json()

    assert page["run"]["title"] == "The Unity Run" and page["run"]["distance_m"] == 416_000
    assert page["progress"]["covered_m"] == 24_000
    assert (page["progress"]["day"], page["progress"]["days_total"]) == (1, 8)
    assert page["days"][0] == {"day": 1, "date": "2021-08-15", "lead_m": 24_000, "companions_m": 28_000,
                               "planned_m": 52_000}  # fmt: skip
    assert page["days"][1]["lead_m"] is None  # a day to come
    assert page["companions"] == [{"name": "Ankita Konwar", "covered_m": 28_000}]
    assert page["position"]["lat"] == 19.2502 and page["position"]["precision"] == "exact"
    assert [p[:2] for p in page["track"]] == [[19.0176, 72.8562], [19.2502, 72.8597]]
    assert [(u["runner"], u["distance_m"], u["note"]) for u in page["updates"]] == [
        ("Ankita Konwar", 28_000, "16 flyovers!"),
        ("Milind Soman", 24_000, "Day one <done>"),
    ]
    assert page["updates"][1]["photo"] is not None and page["updates"][0]["photo"] is None
    assert page["supporters"]["count"] == 2 and page["supporters"]["logged_m"] == 12_000
    assert [e["name"] for e in page["supporters"]["board"]] == ["Asha"]  # Ravi hid himself
    assert page["viewer"] is None


async def test_the_viewer_sees_their_own_pledge_only_with_telegrams_signed_init_data(unity, http):
    await day_one(unity)
    mine = (await http.get(UNITY_JSON, headers={"X-Telegram-Init-Data": init_data(RAVI.id, unity)})).json()
    forged = init_data(RAVI.id, unity, token="999:AAForgedTokenForgedTokenForgedToken000")
    theirs = (await http.get(UNITY_JSON, headers={"X-Telegram-Init-Data": forged})).json()

    assert mine["viewer"] == {"user_id": RAVI.id, "name": "Ravi", "pledged_m": 41_600, "logged_m": 7_000,
                              "hidden": True}  # fmt: skip
    assert theirs["viewer"] is None


async def test_a_photo_goes_through_the_bots_server_never_by_a_telegram_url(unity, http):
    await day_one(unity)
    unity.api.files["photo-day1"] = PNG + b"day one"
    page = (await http.get(UNITY_JSON)).text
    photo_id = json.loads(page)["updates"][1]["photo"]

    answer = await http.get(f"/photos/{photo_id}")

    assert answer.status_code == 200 and answer.content == PNG + b"day one"
    assert FAKE_TOKEN not in page and "/file/bot" not in page
    assert (await http.get("/photos/999")).status_code == 404  # not an update of this run


async def test_a_change_shows_on_the_page_at_once(unity, http):
    await day_one(unity)
    before = (await http.get(UNITY_JSON)).json()
    await unity.say(MILIND, "/update 6 Evening stretch")
    after = (await http.get(UNITY_JSON)).json()
    assert (before["progress"]["covered_m"], after["progress"]["covered_m"]) == (24_000, 30_000)
    assert before["version"] != after["version"]


async def test_a_delayed_position_shows_where_the_runner_was_everywhere(unity, http):
    await day_one(unity)  # positions at 17:00 and 18:00, now 18:40
    reply = await unity.say(ORGANISER, "/position delay 60")
    progress = await unity.say(ASHA, "/progress")
    page = (await http.get(UNITY_JSON)).json()

    assert reply.startswith("📍 ") and "The public sees the runner&#x27;s position 1 hour late." in reply
    assert "mlat=19.01760" in progress and "19.25020" not in progress
    assert page["position"]["lat"] == 19.0176 and page["position_policy"] == "delay 60"
    assert [p[:2] for p in page["track"]] == [[19.0176, 72.8562]]
    unity.clock.now += timedelta(minutes=30)  # 19:10: the 18:00 position is an hour old now
    assert "mlat=19.25020" in await unity.say(ASHA, "/progress")


async def test_a_coarse_or_hidden_position_obeys_in_replies_summaries_and_the_page(unity, http):
    await subscribe(unity, FANS)
    await day_one(unity)
    await unity.say(ORGANISER, "/position coarse")
    coarse_progress = await unity.say(ASHA, "/progress")
    coarse_page = (await http.get(UNITY_JSON)).json()
    await unity.say(ORGANISER, "/position hide")
    hidden_today = await unity.say(ASHA, "/today")
    hidden_page = (await http.get(UNITY_JSON)).json()
    unity.clock.now = ist(15, 21, 0)
    summary = [c.text for c in await unity.run_jobs(SUMMARIES) if c.chat_id == FANS["id"]]

    assert "📍 Near: " in coarse_progress and "mlat=19.30000&amp;mlon=72.90000" in coarse_progress
    assert coarse_page["position"] | {"at": None} == {"runner": "Milind Soman", "lat": 19.3, "lon": 72.9,
                                                     "at": None, "precision": "coarse"}  # fmt: skip
    assert "📍" not in hidden_today and hidden_page["position"] is None and hidden_page["track"] == []
    assert summary and "📍" not in summary[0]


async def test_only_an_organiser_sets_the_position_and_a_wrong_setting_is_explained(unity):
    assert await unity.say(ASHA, "/position hide") == "Sorry, only the run&#x27;s organisers can do that."
    wrong = await unity.say(ORGANISER, "/position later")
    assert wrong.startswith("I could not read “later” as a position setting.")
    policy = await unity.query(lambda conn: conn.execute("SELECT position_policy FROM runs").fetchone()[0])
    assert policy == "live"


async def test_chart_is_a_png_uploaded_once_then_sent_by_file_id(unity):
    await day_one(unity)
    first = await unity.send(unity.updates.text(ASHA, "/chart"))
    again = await unity.send(unity.updates.text(RAVI, "/chart"))

    [upload] = [c for c in first if c.method == "sendPhoto"]
    [by_id] = [c for c in again if c.method == "sendPhoto"]
    assert upload.uploads["photo"].startswith(PNG)  # the chart, uploaded
    assert by_id.params["photo"].startswith("uploaded-")  # the file id Telegram returned for the upload
    assert upload.params["caption"].startswith("📈 <b>The Unity Run</b>: 24 of 416 km after day 1")


async def test_the_summary_comes_with_its_chart_uploaded_once_for_all_chats(unity):
    family = group_chat(-100555, "Family")
    await subscribe(unity, FANS)
    await subscribe(unity, family)
    await day_one(unity)
    unity.clock.now = ist(15, 21, 0)

    photos = [c for c in await unity.run_jobs(SUMMARIES) if c.method == "sendPhoto"]

    assert sorted(c.chat_id for c in photos) == sorted([FANS["id"], family["id"]])
    uploads = [c for c in photos if "photo" in c.uploads]
    assert len(uploads) == 1 and uploads[0].uploads["photo"].startswith(PNG)
    assert all(c.params["caption"].startswith("📰 Daily summary") for c in photos)


async def test_with_a_public_url_progress_carries_a_mini_app_in_private_and_a_link_in_groups(tmp_path):
    url = "https://run.example.org/"
    async with Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), public_url=url) as sim:
        await sim.say(ORGANISER, UNITY_RUN)
        private = await sim.send(sim.updates.text(ASHA, "/progress"))
        group = await sim.send(sim.updates.text(ASHA, "/progress", FANS))

    [mini_app] = private[-1].params["reply_markup"]["inline_keyboard"][0]
    [link] = group[-1].params["reply_markup"]["inline_keyboard"][0]
    page = "https://run.example.org/r/the-unity-run"  # the run the chat is about, at its own address
    assert mini_app["web_app"] == {"url": page} and link["url"] == page


async def test_health_answers_503_until_polling_works_then_200_with_the_backlog(unity, http):
    starting = await http.get("/healthz")
    unity.app.bot_data[live_page.LAST_POLL] = datetime.now(UTC)
    healthy = await http.get("/healthz")
    assert (starting.status_code, starting.json()["status"]) == (503, "starting")
    assert healthy.status_code == 200 and healthy.json()["outbox_backlog"] == 0


async def test_reaching_the_pledge_brings_a_completion_card_once(unity):
    await unity.say(ASHA, "/pledge 10")
    before = await unity.send(unity.updates.text(ASHA, "/log 6"))
    reached = await unity.send(unity.updates.text(ASHA, "/log 4"))
    for _ in range(500):  # the card is drawn while the bot goes on: wait for it (5 s at most)
        if any(c.method == "sendPhoto" for c in unity.api.calls):
            break
        await asyncio.sleep(0.01)
    after = await unity.send(unity.updates.text(ASHA, "/log 1"))

    assert [c.method for c in reached] == ["sendMessage"]  # the reply did not wait for the drawing
    [card] = [c for c in unity.api.calls if c.method == "sendPhoto"]
    assert card.chat_id == ASHA.id and card.uploads["photo"].startswith(PNG)
    assert card.params["caption"] == "🏅 Asha: 10 km for The Unity Run"
    assert [c.method for c in before + after] == ["sendMessage", "sendMessage"]


async def test_the_page_draws_the_planned_route_and_its_checkpoints_passed_or_ahead(unity, http):
    from bot.demo.files import unity_route_gpx

    await unity.send_file(ORGANISER, "unity.gpx", unity_route_gpx(), caption="/route")
    unity.clock.now = ist(16, 18, 0)
    await unity.say(MILIND, "/update 60 Past Vasai")  # Vasai is at km 53.5
    page = (await http.get(UNITY_JSON)).json()

    assert 2 <= len(page["route"]) <= 400 and page["route"][0] == pytest.approx([18.92, 72.83], abs=0.05)
    vasai, virar = page["checkpoints"][:2]
    assert (vasai["name"], round(vasai["at_m"], -2), vasai["passed_day"]) == ("Vasai", 53_500, 2)
    assert (virar["name"], virar["passed_day"]) == ("Virar", None)
    assert vasai["lat"] == pytest.approx(19.39, abs=0.1)


async def test_each_run_has_its_own_page_the_index_lists_them_and_the_old_address_answers_the_newest(unity, http):
    await day_one(unity)
    await unity.say(ORGANISER, "/endrun")
    await unity.say(ORGANISER, "/newrun Next <Run> & Co | A | B | 100 | 2021-09-01 | 2021-09-05")
    index = (await http.get("/api/runs.json")).json()
    [new] = index["open"]
    [ended] = index["past"]

    assert (ended["slug"], ended["title"], ended["covered_m"], ended["ended"]) == ("the-unity-run", "The Unity Run",
                                                                                  24_000, True)  # fmt: skip
    assert new["title"] == "Next <Run> & Co" and new["page"] == f"/r/{new['slug']}" and not new["ended"]
    unity_page = (await http.get(UNITY_JSON)).json()
    new_page = (await http.get(f"/r/{new['slug']}/run.json")).json()
    assert (unity_page["run"]["title"], unity_page["progress"]["covered_m"]) == ("The Unity Run", 24_000)
    assert (new_page["run"]["title"], new_page["progress"]["covered_m"]) == ("Next <Run> & Co", 0)
    assert (await http.get("/api/run.json")).json() == new_page  # the old address: the newest open listed run
    html = (await http.get("/")).text
    assert "Next &lt;Run&gt; &amp; Co" in html and "Next <Run>" not in html
    assert f'href="r/{new["slug"]}"' in html and 'href="r/the-unity-run"' in html
    assert (await http.get(f"/r/{new['slug']}")).status_code == 200
    assert (await http.get("/r/no-such-run")).status_code == 404


async def test_an_unlisted_run_leaves_the_index_and_keeps_its_page(unity, http):
    await day_one(unity)
    await unity.say(ORGANISER, "/unlist")
    index = (await http.get("/api/runs.json")).json()
    page = await http.get(UNITY_JSON)

    assert index == {"open": [], "past": []}
    assert "the-unity-run" not in (await http.get("/")).text
    assert page.status_code == 200 and page.json()["progress"]["covered_m"] == 24_000
    assert (await http.get("/r/the-unity-run")).status_code == 200
    assert (await http.get("/api/run.json")).status_code == 404  # the old address shows listed runs only
