"""The live page in a real browser: Debian's headless chromium against the real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.position_privacy import PositionMode, PositionPolicy
from bot.web.sample import SamplePageSource
from bot.web.server import WebServer, create_web_app, serve
from tests.cdp import Page, chromium_page

ARTIFACTS = Path(__file__).with_name("artifacts")


@pytest.fixture
async def sample_server() -> AsyncIterator[WebServer]:
    server = await serve(create_web_app(SamplePageSource(), bot_token="123:TEST"), "127.0.0.1", 0)
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
        await open_page(page, f"http://127.0.0.1:{sample_server.port}/")

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
            await open_page(page, f"http://127.0.0.1:{server.port}/")
            assert await page.evaluate("document.querySelectorAll('#map #track, #map #here').length") == 0
            assert (
                await page.evaluate("document.getElementById('position').textContent")
                == "The runner's position is not shown publicly."
            )
            assert await page.evaluate("document.querySelectorAll('#chart rect.daybar').length") == 4
            assert page.problems == []
    finally:
        await server.stop()
