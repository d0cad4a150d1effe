"""The live page in a real browser: Debian's headless chromium against the real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from bot.demo.play import run_demo
from bot.demo.simulator import Simulator
from bot.domain.position_privacy import PositionMode, PositionPolicy
from bot.edge import live_page
from bot.web.initdata import sign_init_data
from bot.web.sample import ASHA_ID, SAMPLE_PHOTOS, SAMPLE_SLUG, SamplePageSource, sample_page
from bot.web.server import WebServer, create_web_app, serve
from tests.cdp import Page, chromium_page
from tests.test_web_runs import HOSTILE, Runs

ARTIFACTS = Path(__file__).with_name("artifacts")
TOKEN = "123456:AAE-test-token"
RUN = f"/r/{SAMPLE_SLUG}"  # the sample run's page
# Telegram's dark theme, as telegram-web-app.js hands it to a Mini App.
DARK = {
    "bg_color": "#17212b",
    "secondary_bg_color": "#0e1621",
    "section_bg_color": "#17212b",
    "text_color": "#f5f5f5",
    "hint_color": "#708499",
    "link_color": "#6ab3f3",
    "button_color": "#5288c1",
    "button_text_color": "#ffffff",
}


def fake_telegram_script(init_data: str) -> bytes:
    """What https://telegram.org/js/telegram-web-app.js provides, enough for the page."""
    web_app = {"initData": init_data, "themeParams": DARK}
    return (
        f"window.Telegram = {{WebApp: Object.assign({json.dumps(web_app)}, "
        "{ready: function () {}, expand: function () {}, onEvent: function () {}})};"
    ).encode()


@pytest.fixture
async def sample_server() -> AsyncIterator[WebServer]:
    server = await serve(create_web_app(SamplePageSource(), bot_token=TOKEN), "127.0.0.1", 0)
    yield server
    await server.stop()


async def open_page(page: Page, url: str) -> None:
    await page.send("Page.navigate", url=url)
    await page.wait_for("location.href !== 'about:blank' && document.getElementById('figures')?.textContent.length > 0")
    await page.wait_for("Array.from(document.images).every(img => img.complete)")


def texts(selector: str) -> str:
    return f"Array.from(document.querySelectorAll({selector!r})).map(n => n.textContent)"


async def test_the_page_shows_the_run_in_a_real_browser(sample_server: WebServer) -> None:
    async with chromium_page() as page:
        await open_page(page, f"http://127.0.0.1:{sample_server.port}{RUN}")

        assert await page.evaluate("document.getElementById('title').textContent") == "The Unity Run"
        assert await page.evaluate("document.getElementById('day').textContent") == "Day 4 of 8"
        assert await page.evaluate("document.getElementById('figures').textContent") == "153.5 km of 416 km"
        assert await page.evaluate("document.getElementById('share').textContent") == "36.9% · 262.5 km to go"
        assert (
            await page.evaluate("document.getElementById('plan').textContent")
            == "Behind plan by 54.5 km (plan: 208 km by today)"
        )
        assert await page.evaluate("document.getElementById('finish').textContent") == "25 Aug 2021"
        position = await page.evaluate("document.getElementById('position').textContent")
        assert position.startswith("📍 Milind Soman as of 18:30 IST, 12 min ago")

        # The chart: a bar for each day run so far, and the cumulative line; the map: the track and the dot.
        assert await page.evaluate("document.querySelectorAll('#chart rect.daybar').length") == 4
        heights = await page.evaluate(
            "Array.from(document.querySelectorAll('#chart rect.daybar')).map(r => r.getBoundingClientRect().height)"
        )
        assert heights[2] / heights[0] == pytest.approx(52 / 24, rel=0.05)  # drawn to scale: 52 km vs 24 km
        assert await page.evaluate("document.querySelector('#chart #covered').getAttribute('d').split('L').length") == 5
        track = await page.evaluate("document.querySelector('#map #track').getAttribute('d')")
        assert track.count("L") > 50
        assert await page.evaluate("document.querySelectorAll('#map #here').length") == 1
        assert await page.evaluate("document.querySelectorAll('#map path.route').length") == 1

        notes = await page.evaluate(texts("#updates .note"))
        assert notes[0] == "Flooded roads near Talasari; walking the water."
        assert "16 flyovers climbed <3" in notes
        assert await page.evaluate("Array.from(document.images).map(i => i.naturalWidth)") == [160, 160]
        assert await page.evaluate(texts("#board .name")) == ["Kavya", "Asha", "Dev <script>"]
        assert await page.evaluate("document.querySelectorAll('#board script').length") == 0
        assert await page.evaluate("document.getElementById('you').hidden") is True
        assert (
            await page.evaluate("document.getElementById('supporters').textContent")
            == "4 supporters · 83.2 km pledged · 29.5 km logged"
        )

        assert page.problems == []
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "live-page.png").write_bytes(await page.screenshot())


async def test_a_hidden_position_shows_no_track_and_says_so() -> None:
    source = SamplePageSource(policy=PositionPolicy(PositionMode.HIDE))
    server = await serve(create_web_app(source), "127.0.0.1", 0)
    try:
        async with chromium_page() as page:
            await open_page(page, f"http://127.0.0.1:{server.port}{RUN}")
            assert await page.evaluate("document.querySelectorAll('#map #track, #map #here').length") == 0
            assert (
                await page.evaluate("document.getElementById('position').textContent")
                == "The runner's position is not shown publicly."
            )
            assert await page.evaluate("document.querySelectorAll('#chart rect.daybar').length") == 4
            assert page.problems == []
    finally:
        await server.stop()


async def test_inside_telegram_the_page_takes_its_theme_and_shows_the_viewers_pledge(
    sample_server: WebServer,
) -> None:
    user = json.dumps({"id": ASHA_ID, "first_name": "Asha"})
    init_data = sign_init_data({"user": user, "auth_date": str(int(datetime.now(UTC).timestamp()))}, TOKEN)
    async with chromium_page() as page:
        await page.serve_instead("https://telegram.org/*", fake_telegram_script(init_data), "text/javascript")
        url = f"http://127.0.0.1:{sample_server.port}{RUN}#tgWebAppData={quote(init_data)}&tgWebAppVersion=7.0"
        await open_page(page, url)
        await page.wait_for("!document.getElementById('you').hidden")
        assert (
            await page.evaluate("document.getElementById('you-line').textContent")
            == "5 km of 20.8 km · 24%, 15.8 km to go"
        )
        assert await page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(14, 22, 33)"
        assert await page.evaluate("getComputedStyle(document.body).color") == "rgb(245, 245, 245)"
        assert page.problems == []
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "live-page-telegram-dark.png").write_bytes(await page.screenshot())


async def test_a_forged_init_data_inside_telegram_shows_only_the_public_page(sample_server: WebServer) -> None:
    user = json.dumps({"id": ASHA_ID, "first_name": "Asha"})
    forged = sign_init_data({"user": user, "auth_date": str(int(datetime.now(UTC).timestamp()))}, "999:NOT-THE-BOT")
    async with chromium_page() as page:
        await page.serve_instead("https://telegram.org/*", fake_telegram_script(forged), "text/javascript")
        await open_page(page, f"http://127.0.0.1:{sample_server.port}{RUN}#tgWebAppData={quote(forged)}")
        # The page asks again with the init data once Telegram's script is in; the answer stays public.
        await page.wait_for("getComputedStyle(document.body).backgroundColor === 'rgb(14, 22, 33)'")
        await page.wait_for("document.body.dataset.loads === '2'")
        assert await page.evaluate("document.getElementById('you').hidden") is True
        assert await page.evaluate("document.getElementById('figures').textContent") == "153.5 km of 416 km"
        assert page.problems == []


class BeforeTheStart(SamplePageSource):
    """The run as it stands the evening before: no km, no route, no position, no update, no pledge."""

    async def page(self, slug: str, viewer_user_id: int | None) -> dict[str, Any] | None:
        if slug != SAMPLE_SLUG:
            return None
        page = sample_page(viewer_user_id)
        page["run"]["stage"] = "not_started"
        page["progress"].update(
            day=0,
            covered_m=0,
            remaining_m=416_000,
            planned_m=0,
            behind_m=0,
            average_m_per_day=None,
            projected_finish=None,
        )
        for day in page["days"]:
            day.update(lead_m=None, companions_m=None)
        page.update(route=None, checkpoints=[], track=[], position=None, updates=[], companions=[])
        page["supporters"] = {"count": 0, "pledged_m": 0, "logged_m": 0, "board": []}
        return page


async def test_before_the_start_the_page_says_so_without_errors() -> None:
    server = await serve(create_web_app(BeforeTheStart()), "127.0.0.1", 0)
    try:
        async with chromium_page() as page:
            await open_page(page, f"http://127.0.0.1:{server.port}{RUN}")
            assert await page.evaluate("document.getElementById('day').textContent") == "Starts on 15 Aug 2021"
            assert await page.evaluate("document.getElementById('figures').textContent") == "0 km of 416 km"
            assert await page.evaluate("document.getElementById('position').textContent") == "No position shared yet."
            assert await page.evaluate("document.getElementById('updates').textContent") == "No update yet."
            assert await page.evaluate("document.querySelectorAll('#chart rect.daybar, #chart #covered').length") == 0
            assert await page.evaluate("document.querySelectorAll('#chart path.planned').length") == 1
            assert page.problems == []
    finally:
        await server.stop()


async def test_new_figures_show_without_a_reload() -> None:
    source = SamplePageSource()
    server = await serve(create_web_app(source, cache_seconds=0), "127.0.0.1", 0)
    try:
        async with chromium_page() as page:
            await open_page(page, f"http://127.0.0.1:{server.port}{RUN}")
            await page.evaluate("window.notReloaded = true")
            source.now = source.now + timedelta(days=1)
            # What the 30-second timer does, and what coming back to the tab does at once.
            await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
            await page.wait_for("document.getElementById('day').textContent === 'Day 5 of 8'")
            assert await page.evaluate("window.notReloaded") is True
            assert page.problems == []
    finally:
        await server.stop()


@pytest.fixture
async def demo_server(tmp_path: Path) -> AsyncIterator[tuple[WebServer, dict[str, Any]]]:
    """The demo played into the real application, its page served by live_page on 127.0.0.1 (not the sample)."""
    served: list[tuple[WebServer, dict[str, Any]]] = []
    done = asyncio.Event()
    finished = asyncio.Event()

    async def serve_it(sim: Simulator) -> None:
        server = await serve(live_page.web_app(sim.app), "127.0.0.1", 0)
        async with httpx.AsyncClient() as http:
            page = (await http.get(f"http://127.0.0.1:{server.port}/r/the-unity-run/run.json")).json()
        served.append((server, page))
        done.set()
        await finished.wait()  # the application stays open while the test looks at its page
        await server.stop()

    demo = asyncio.create_task(run_demo(tmp_path / "demo.db", quiet=True, write=lambda _: None, then=serve_it))
    await asyncio.wait([demo, asyncio.create_task(done.wait())], return_when=asyncio.FIRST_COMPLETED)
    if demo.done():
        demo.result()  # the demo failed: its error
    yield served[0]
    finished.set()
    assert await demo == 0


async def test_the_demos_page_from_the_real_application(demo_server: tuple[WebServer, dict[str, Any]]) -> None:
    server, data = demo_server
    async with chromium_page() as page:
        await page.send("Page.navigate", url=f"http://127.0.0.1:{server.port}{RUN}")
        await page.wait_for("document.getElementById('figures')?.textContent.length > 0")

        # The figures as the demo left them, read from the page and from its JSON.
        assert (data["progress"]["covered_m"], data["run"]["distance_m"]) == (409_000, 416_000)
        assert await page.evaluate("document.getElementById('title').textContent") == data["run"]["title"]
        assert await page.evaluate("document.getElementById('figures').textContent") == "409 km of 416 km"
        # The run has ended 7 km short: said so, with no plan to be behind and no finish to project.
        assert await page.evaluate("document.getElementById('day').textContent") == "Ended · 10 days planned"
        assert await page.evaluate("document.getElementById('share').textContent") == "98.3% · 7 km short of the plan"
        assert await page.evaluate("document.getElementById('plan').textContent") == ""
        assert await page.evaluate("document.getElementById('finish').textContent") == "–"
        assert await page.evaluate("document.getElementById('route-key').hidden") is (data["route"] is None)
        assert await page.evaluate("document.getElementById('bar').getAttribute('aria-valuenow')") == "98.3"
        notes = await page.evaluate(texts("#updates .note"))
        assert notes[0] == data["updates"][0]["note"] and notes[0].startswith("Statue of Unity!")
        board = await page.evaluate(texts("#board .name"))
        assert board == [entry["name"] for entry in data["supporters"]["board"]] and len(board) > 0

        # The chart: one bar per day run, the covered line; each drawn with a real size.
        days_run = sum(1 for day in data["days"] if day["lead_m"])
        bars = await page.evaluate(
            "Array.from(document.querySelectorAll('#chart rect.daybar'))"
            ".map(r => [r.getBoundingClientRect().width, r.getBoundingClientRect().height])"
        )
        assert len(bars) == days_run and all(w > 0 and h > 0 for w, h in bars)
        covered = await page.evaluate("(() => { const b = document.querySelector('#chart #covered').getBBox();"
                                      " return [b.width, b.height]; })()")  # fmt: skip
        assert covered[0] > 100 and covered[1] > 50
        # The map: the runner's track (every position the demo shared) and the latest position's dot.
        track = await page.evaluate(
            "(() => { const t = document.querySelector('#map #track'); const b = t.getBBox();"
            " return [t.getAttribute('d').split('L').length, b.width, b.height]; })()"
        )
        assert track[0] == len(data["track"]) and track[1] > 0 and track[2] > 50
        here = await page.evaluate("document.querySelector('#map #here').getBoundingClientRect().width")
        assert here > 0

        # Day 2's photo, downloaded by the bot from (fake) Telegram and served by the page's own server.
        await page.evaluate("document.querySelector('#updates img').scrollIntoView()")
        await page.wait_for("document.querySelector('#updates img').complete")
        assert await page.evaluate("document.querySelector('#updates img').naturalWidth") == 640
        await page.evaluate("window.scrollTo(0, 0)")

        assert page.problems == []
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "demo-page.png").write_bytes(await page.screenshot())


class SampleRuns(Runs):
    """Three listed runs and an unlisted one (tests/test_web_runs.py), with the sample's photos."""

    def __init__(self) -> None:
        super().__init__()
        self.add("unity-2021", "The Unity Run", 409_000, stage="ended")
        self.add("coast-run", "Coast to Coast", 52_000)
        self.add("hills-2024", HOSTILE, 12_500)
        self.add("quiet-one", "A Private Walk", 3_000, listed=False)

    async def photo(self, photo_id: str) -> bytes | None:
        return SAMPLE_PHOTOS.get(photo_id)


@pytest.fixture
async def runs_server() -> AsyncIterator[WebServer]:
    server = await serve(create_web_app(SampleRuns(), bot_token=TOKEN), "127.0.0.1", 0)
    yield server
    await server.stop()


async def test_the_index_lists_the_runs_and_leads_to_each_page_and_back(runs_server: WebServer) -> None:
    root = f"http://127.0.0.1:{runs_server.port}/"
    async with chromium_page() as page:
        await page.send("Page.navigate", url=root)
        await page.wait_for("location.href !== 'about:blank' && document.querySelectorAll('a.title').length > 0")
        assert await page.evaluate(texts("#open a.title")) == [HOSTILE, "Coast to Coast"]  # shown as written
        assert await page.evaluate("document.querySelectorAll('#open b, #open script').length") == 0
        assert await page.evaluate(texts("#past a.title")) == ["The Unity Run"]
        assert "A Private Walk" not in await page.evaluate("document.body.textContent")
        lines = await page.evaluate(texts("#open .figures-line"))
        assert lines == ["12.5 of 416 km", "52 of 416 km"]
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "index-page.png").write_bytes(await page.screenshot())

        await page.evaluate("document.querySelector('a[href=\"r/coast-run\"]').click()")
        await page.wait_for("document.getElementById('figures')?.textContent.length > 0")
        assert await page.evaluate("location.pathname") == "/r/coast-run"
        assert await page.evaluate("document.getElementById('title').textContent") == "Coast to Coast"
        assert await page.evaluate("document.getElementById('figures').textContent") == "52 km of 416 km"
        await page.wait_for("Array.from(document.images).every(img => img.complete && img.naturalWidth > 0)")
        assert await page.evaluate("Array.from(document.images).map(i => new URL(i.src).pathname)") == [
            "/photos/p2",
            "/photos/p1",
        ]

        await page.evaluate("document.getElementById('all-runs').click()")
        await page.wait_for("location.pathname === '/' && document.querySelectorAll('a.title').length === 3")
        assert page.problems == []


async def test_inside_telegram_the_index_passes_the_viewer_on_to_the_runs_page(runs_server: WebServer) -> None:
    user = json.dumps({"id": ASHA_ID, "first_name": "Asha"})
    init_data = sign_init_data({"user": user, "auth_date": str(int(datetime.now(UTC).timestamp()))}, TOKEN)
    async with chromium_page() as page:
        await page.serve_instead("https://telegram.org/*", fake_telegram_script(init_data), "text/javascript")
        url = f"http://127.0.0.1:{runs_server.port}/#tgWebAppData={quote(init_data)}&tgWebAppVersion=7.0"
        await page.send("Page.navigate", url=url)
        await page.wait_for("location.href !== 'about:blank' && document.querySelectorAll('a.title').length === 3")
        await page.wait_for("getComputedStyle(document.body).backgroundColor === 'rgb(14, 22, 33)'")
        assert (
            await page.evaluate("document.querySelector('a[href^=\"r/hills-2024\"]').hash.indexOf('#tgWebAppData=')")
            == 0
        )
        await page.evaluate("document.querySelector('a[href^=\"r/hills-2024\"]').click()")
        await page.wait_for("location.pathname === '/r/hills-2024' && document.getElementById('you')?.hidden === false")
        assert await page.evaluate("document.getElementById('title').textContent") == HOSTILE
        assert (
            await page.evaluate("document.getElementById('you-line').textContent")
            == "5 km of 20.8 km · 24%, 15.8 km to go"
        )
        assert await page.evaluate("document.getElementById('all-runs').hash.indexOf('#tgWebAppData=')") == 0
        assert page.problems == []


async def test_a_run_no_longer_there_says_so_on_its_page() -> None:
    source = SampleRuns()
    server = await serve(create_web_app(source, cache_seconds=0), "127.0.0.1", 0)
    try:
        async with chromium_page() as page:
            await open_page(page, f"http://127.0.0.1:{server.port}/r/coast-run")
            del source.runs["coast-run"]
            await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
            await page.wait_for("document.getElementById('title').textContent === 'No run at this address'")
    finally:
        await server.stop()
