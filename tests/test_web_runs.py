"""Many runs, one server: each run's page and JSON at its own address (/r/<slug>, /r/<slug>/run.json), the
index of open and past listed runs (/ and /api/runs.json), an unlisted run reached only by its address, the
old address /api/run.json, and a cache of runs that made-up slugs cannot grow."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from bot.web.initdata import sign_init_data
from bot.web.sample import ASHA_ID, NOW, sample_entry, sample_page
from bot.web.server import create_web_app

TOKEN = "123456:AAE-test-token"
HOSTILE = "<b>x</b>&"


def run_page(title: str, covered_m: int, stage: str = "running", viewer: int | None = None) -> dict[str, Any]:
    page = sample_page(viewer)
    page["run"].update(title=title, stage=stage)
    page["progress"]["covered_m"] = covered_m
    page["version"] = f"v-{title.encode().hex()[:12]}-{covered_m}"
    return page


class Runs:
    """A PageSource over a few runs; `asked` records each slug the server asked for, in order."""

    def __init__(self) -> None:
        self.runs: dict[str, tuple[str, int, str, bool]] = {}  # slug -> title, covered_m, stage, listed
        self.order: list[str] = []  # open runs newest first, then past ones latest ended first
        self.asked: list[str] = []
        self.index_calls = 0
        self.broken_index = False

    def add(self, slug: str, title: str, covered_m: int, stage: str = "running", listed: bool = True) -> None:
        self.runs[slug] = (title, covered_m, stage, listed)
        self.order.insert(0, slug)

    async def page(self, slug: str, viewer_user_id: int | None) -> dict[str, Any] | None:
        self.asked.append(slug)
        if slug not in self.runs:
            return None
        title, covered_m, stage, _ = self.runs[slug]
        return run_page(title, covered_m, stage, viewer_user_id)

    async def index(self) -> dict[str, Any]:
        self.index_calls += 1
        if self.broken_index:
            raise RuntimeError("database is locked")
        entries = {"open": [], "past": []}
        for slug in self.order:
            title, covered_m, stage, listed = self.runs[slug]
            if listed:
                entry = sample_entry(run_page(title, covered_m, stage), slug)
                entries["past" if entry["ended"] else "open"].append(entry)
        return entries

    async def photo(self, photo_id: str) -> bytes | None:
        return None


class Ticks:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def runs() -> Runs:
    source = Runs()
    source.add("unity-2021", "The Unity Run", 409_000, stage="ended")
    source.add("coast-run", "Coast to Coast", 52_000)
    source.add("hills-2024", HOSTILE, 12_500)
    source.add("quiet-one", "A Private Walk", 3_000, listed=False)
    return source


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


def client_of(source: Runs, ticks: Ticks, **options: Any) -> httpx.AsyncClient:
    app = create_web_app(source, bot_token=TOKEN, clock=lambda: NOW, monotonic=ticks, **options)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://page")


@pytest.fixture
async def http(runs: Runs, ticks: Ticks) -> AsyncIterator[httpx.AsyncClient]:
    async with client_of(runs, ticks) as client:
        yield client


def init_data(user_id: int) -> str:
    user = json.dumps({"id": user_id, "first_name": "Asha"})
    return sign_init_data({"user": user, "auth_date": str(int((NOW - timedelta(minutes=1)).timestamp()))}, TOKEN)


async def test_a_runs_page_and_its_json_are_at_its_own_address(http: httpx.AsyncClient) -> None:
    page = await http.get("/r/coast-run")
    figures = await http.get("/r/coast-run/run.json")

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<title>Coast to Coast · live</title>" in page.text
    assert '<script src="../static/app.js" defer></script>' in page.text
    assert figures.status_code == 200 and figures.headers["content-type"] == "application/json"
    assert figures.json()["run"]["title"] == "Coast to Coast"
    assert figures.json()["progress"]["covered_m"] == 52_000
    assert figures.headers["etag"] == '"v-436f61737420-52000"'


async def test_two_runs_answer_their_own_figures(http: httpx.AsyncClient) -> None:
    coast = await http.get("/r/coast-run/run.json")
    unity = await http.get("/r/unity-2021/run.json")

    assert coast.json()["run"]["title"] == "Coast to Coast" and unity.json()["run"]["title"] == "The Unity Run"
    assert (coast.json()["progress"]["covered_m"], unity.json()["progress"]["covered_m"]) == (52_000, 409_000)
    assert coast.content != unity.content and coast.headers["etag"] != unity.headers["etag"]
    again = await http.get("/r/coast-run/run.json", headers={"If-None-Match": unity.headers["etag"]})
    assert again.status_code == 200  # another run's ETag is not this one's


async def test_a_viewer_gets_their_own_pledge_at_a_runs_address(http: httpx.AsyncClient) -> None:
    mine = await http.get("/r/hills-2024/run.json", headers={"X-Telegram-Init-Data": init_data(ASHA_ID)})
    assert mine.json()["run"]["title"] == HOSTILE and mine.json()["viewer"]["user_id"] == ASHA_ID
    assert mine.headers["cache-control"] == "private, no-store"
    refused = await http.get("/r/hills-2024/run.json", params={"tgWebAppData": init_data(ASHA_ID)})
    assert refused.status_code == 400


@pytest.mark.parametrize("slug", ["no-such-run", "abc", "run-99999"])
async def test_a_slug_no_run_has_is_a_404_and_is_not_kept(runs: Runs, ticks: Ticks, slug: str) -> None:
    async with client_of(runs, ticks) as http:
        for _ in range(2):
            page = await http.get(f"/r/{slug}")
            figures = await http.get(f"/r/{slug}/run.json")
            assert (page.status_code, page.headers["content-type"]) == (404, "text/plain; charset=utf-8")
            assert page.text == "No run at this address.\n" and page.headers["cache-control"] == "no-cache"
            assert (figures.status_code, figures.json()) == (404, {"error": "No run at this address."})
    assert runs.asked == [slug] * 4  # asked each time: no answer kept for a slug that names no run


@pytest.mark.parametrize(
    "slug",
    [
        "ab",
        "x" * 33,
        "Coast-Run",
        "coast_run",
        "-coast",
        "coast-",
        "coast--run",
        "coast.run",
        "%2e%2e",
        "é-run",
        "run%00x",
    ],
)
async def test_a_malformed_slug_is_a_404_and_never_reaches_the_source(
    http: httpx.AsyncClient, runs: Runs, slug: str
) -> None:
    page = await http.get(f"/r/{slug}")
    figures = await http.get(f"/r/{slug}/run.json")
    assert page.status_code == 404 and figures.status_code == 404
    assert "<" not in page.text and slug not in page.text  # a short plain answer, nothing of the request echoed
    assert runs.asked == []


async def test_made_up_slugs_never_push_a_real_run_out_of_the_cache(runs: Runs, ticks: Ticks) -> None:
    async with client_of(runs, ticks, runs_cached=2) as http:
        await http.get("/r/coast-run/run.json")
        await http.get("/r/unity-2021/run.json")
        for n in range(200):
            assert (await http.get(f"/r/made-up-{n}/run.json")).status_code == 404
        runs.asked.clear()
        await http.get("/r/coast-run/run.json")
        await http.get("/r/unity-2021")
    assert runs.asked == []  # both still kept: the 200 made-up slugs kept nothing


async def test_only_the_runs_asked_for_last_are_kept(runs: Runs, ticks: Ticks) -> None:
    async with client_of(runs, ticks, runs_cached=2) as http:
        for slug in ("coast-run", "unity-2021", "hills-2024"):
            await http.get(f"/r/{slug}/run.json")
        runs.asked.clear()
        await http.get("/r/hills-2024/run.json")
        await http.get("/r/unity-2021/run.json")
        assert runs.asked == []
        await http.get("/r/coast-run/run.json")  # the one asked for longest ago: dropped
        assert runs.asked == ["coast-run"]
        ticks.seconds += 2.5  # older than cache_seconds: asked again
        await http.get("/r/coast-run/run.json")
        assert runs.asked == ["coast-run", "coast-run"]


async def test_viewers_of_a_run_arriving_together_share_one_read(runs: Runs, ticks: Ticks) -> None:
    release = asyncio.Event()
    plain_page = runs.page

    async def held(slug: str, viewer_user_id: int | None) -> dict[str, Any] | None:
        await release.wait()
        return await plain_page(slug, viewer_user_id)

    runs.page = held  # type: ignore[method-assign]
    async with client_of(runs, ticks) as http:
        asks = [asyncio.create_task(http.get("/r/coast-run/run.json")) for _ in range(5)]
        left = asyncio.create_task(http.get("/r/coast-run/run.json"))
        await asyncio.sleep(0.05)
        left.cancel()  # a viewer who leaves does not cancel the read for the others
        release.set()
        answers = await asyncio.gather(*asks)
    assert [a.status_code for a in answers] == [200] * 5
    assert runs.asked == ["coast-run"]


async def test_the_index_json_lists_open_runs_newest_first_then_past_ones(http: httpx.AsyncClient) -> None:
    response = await http.get("/api/runs.json")
    index = response.json()

    assert response.headers["content-type"] == "application/json"
    assert [e["slug"] for e in index["open"]] == ["hills-2024", "coast-run"]
    assert [e["slug"] for e in index["past"]] == ["unity-2021"]
    assert index["open"][0] == {
        "slug": "hills-2024",
        "title": HOSTILE,  # JSON carries the title as written; the page escapes it
        "from": "Mumbai",
        "to": "Statue of Unity",
        "distance_m": 416_000,
        "start_date": "2021-08-15",
        "end_date": "2021-08-22",
        "covered_m": 12_500,
        "ended": False,
        "page": "/r/hills-2024",
    }
    assert index["past"][0]["ended"] is True
    again = await http.get("/api/runs.json", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    packed = await http.get("/api/runs.json", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.json() == index


async def test_the_index_page_lists_the_runs_with_every_title_shown_literally(http: httpx.AsyncClient) -> None:
    response = await http.get("/")
    page = response.text

    assert response.status_code == 200 and response.headers["content-type"] == "text/html; charset=utf-8"
    assert "&lt;b&gt;x&lt;/b&gt;&amp;" in page and "<b>x</b>" not in page
    assert page.index("Open runs") < page.index("&lt;b&gt;x") < page.index("Coast to Coast") < page.index("Past runs")
    assert page.index("Past runs") < page.index("The Unity Run")
    assert '<a class="title" href="r/coast-run">Coast to Coast</a>' in page
    assert "Mumbai → Statue of Unity" in page
    assert "52 of 416 km" in page and "12.5 of 416 km" in page and "409 of 416 km · ended" in page
    assert "15 Aug 2021 – 22 Aug 2021" in page
    assert '<script src="static/index.js" defer></script>' in page
    assert "<script>" not in page  # no inline script: the CSP allows none
    assert "default-src 'self'" in response.headers["content-security-policy"]


async def test_a_hostile_title_and_place_are_escaped_on_the_runs_page_and_the_index(runs: Runs, ticks: Ticks) -> None:
    class Places(Runs):
        async def index(self) -> dict[str, Any]:
            index = await super().index()
            index["open"][0].update({"from": '"><script>alert(1)</script>', "to": "a & b"})
            return index

    source = Places()
    source.runs, source.order = runs.runs, runs.order
    async with client_of(source, ticks) as http:
        index = (await http.get("/")).text
        page = (await http.get("/r/hills-2024")).text
    assert "<script>alert(1)" not in index and "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; → a &amp; b" in index
    assert "<title>&lt;b&gt;x&lt;/b&gt;&amp; · live</title>" in page and "<b>x</b>" not in page


async def test_an_unlisted_run_is_not_in_the_index_but_its_page_works(http: httpx.AsyncClient) -> None:
    index = (await http.get("/api/runs.json")).json()
    page = await http.get("/")
    own = await http.get("/r/quiet-one")
    figures = await http.get("/r/quiet-one/run.json")

    assert "quiet-one" not in json.dumps(index) and "quiet-one" not in page.text
    assert "A Private Walk" not in page.text
    assert own.status_code == 200 and "<title>A Private Walk · live</title>" in own.text
    assert figures.json()["run"]["title"] == "A Private Walk"


async def test_the_old_address_answers_the_newest_open_listed_run(runs: Runs, ticks: Ticks) -> None:
    async with client_of(runs, ticks) as http:
        newest = await http.get("/api/run.json")
        as_asha = await http.get("/api/run.json", headers={"X-Telegram-Init-Data": init_data(ASHA_ID)})
        assert newest.status_code == 200 and newest.json()["run"]["title"] == HOSTILE
        assert newest.content == (await http.get("/r/hills-2024/run.json")).content
        assert as_asha.json()["viewer"]["user_id"] == ASHA_ID
        assert (await http.get("/api/run.json", params={"initData": "x"})).status_code == 400

    runs.add("newer-one", "Newer, unlisted", 1_000, listed=False)  # unlisted: never the old address's run
    del runs.runs["hills-2024"], runs.runs["coast-run"]
    runs.order = [slug for slug in runs.order if slug in runs.runs]
    async with client_of(runs, ticks) as http:
        assert (await http.get("/api/run.json")).json()["run"]["title"] == "The Unity Run"  # the latest ended

    runs.runs, runs.order = {}, []
    async with client_of(runs, ticks) as http:
        nothing = await http.get("/api/run.json")
    assert (nothing.status_code, nothing.json()) == (404, {"error": "No run at the moment."})


async def test_an_index_entry_whose_slug_is_not_a_slug_is_left_out(runs: Runs, ticks: Ticks) -> None:
    class Odd(Runs):
        async def index(self) -> dict[str, Any]:
            index = await super().index()
            bad = dict(index["open"][0], slug="../../etc", title="Odd")
            extra = dict(index["open"][0], secret="not for the public")
            index["open"] = [bad, extra, "not an entry"]
            return index

    source = Odd()
    source.runs, source.order = runs.runs, runs.order
    async with client_of(source, ticks) as http:
        index = (await http.get("/api/runs.json")).json()
        page = (await http.get("/")).text
    assert [e["slug"] for e in index["open"]] == ["hills-2024"] and "secret" not in index["open"][0]
    assert "etc" not in page and "Odd" not in page


async def test_a_failing_index_is_a_503_not_a_traceback(runs: Runs, ticks: Ticks) -> None:
    runs.broken_index = True
    async with client_of(runs, ticks) as http:
        for path in ("/", "/api/runs.json", "/api/run.json"):
            answer = await http.get(path)
            assert answer.status_code == 503 and "database" not in answer.text, path
        assert (await http.get("/r/coast-run/run.json")).status_code == 200  # a run's own address needs no index


async def test_the_index_is_read_at_most_once_per_cache_period(runs: Runs, ticks: Ticks) -> None:
    async with client_of(runs, ticks) as http:
        for path in ("/", "/api/runs.json", "/api/run.json", "/"):
            await http.get(path)
        assert runs.index_calls == 1
        ticks.seconds += 2.5
        await http.get("/")
        assert runs.index_calls == 2


async def test_a_trailing_slash_or_an_unknown_path_under_a_run_is_a_404(http: httpx.AsyncClient) -> None:
    for path in ("/r/coast-run/", "/r/coast-run/run.json/", "/r/coast-run/other.json", "/r/", "/r"):
        answer = await http.get(path)
        assert answer.status_code == 404 and "location" not in answer.headers, path
