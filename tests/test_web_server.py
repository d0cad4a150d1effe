"""The live page's HTTP app against a page source: public figures, a viewer's own pledge, photos."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.domain.position_privacy import PositionMode, PositionPolicy
from bot.web.initdata import sign_init_data
from bot.web.sample import ASHA_ID, NOW, RAVI_ID, SAMPLE_PHOTOS, SAMPLE_SLUG, SamplePageSource, sample_page
from bot.web.server import create_web_app, serve

TOKEN = "123456:AAE-test-token"
PAGE = f"/r/{SAMPLE_SLUG}"
JSON = f"{PAGE}/run.json"


def init_data(user_id: int, signed_at: datetime = NOW - timedelta(minutes=1), token: str = TOKEN) -> str:
    user = json.dumps({"id": user_id, "first_name": "Asha"})
    return sign_init_data({"user": user, "auth_date": str(int(signed_at.timestamp()))}, token)


class Clock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


@pytest.fixture
def source() -> SamplePageSource:
    return SamplePageSource()


@pytest.fixture
def ticks() -> Clock:
    return Clock()


@pytest.fixture
async def client(source: SamplePageSource, ticks: Clock) -> AsyncIterator[httpx.AsyncClient]:
    app = create_web_app(source, bot_token=TOKEN, clock=lambda: NOW, monotonic=ticks)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://page") as http:
        yield http


async def test_the_runs_page_is_served_at_its_own_address(client: httpx.AsyncClient) -> None:
    response = await client.get(PAGE)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script src="../static/app.js" defer></script>' in response.text
    assert "<title>The Unity Run · live</title>" in response.text
    assert '<a id="all-runs" href="../">' in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/style.css", "/static/index.js"):
        assert (await client.get(asset)).status_code == 200


async def test_the_json_carries_the_figures(client: httpx.AsyncClient) -> None:
    response = await client.get(JSON)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    page = response.json()
    assert page["run"]["title"] == "The Unity Run"
    assert page["run"]["distance_m"] == 416_000
    assert page["progress"]["day"] == 4
    assert page["progress"]["covered_m"] == 153_500
    assert page["progress"]["behind_m"] == 54_500
    assert [day["lead_m"] for day in page["days"]] == [24_000, 46_500, 52_000, 31_000, None, None, None, None]
    assert page["position"]["at"] == "2021-08-18T13:00:00Z"
    assert page["viewer"] is None


async def test_the_json_has_no_telegram_url_and_no_token(client: httpx.AsyncClient) -> None:
    body = (await client.get(JSON)).text
    assert "api.telegram.org" not in body
    assert TOKEN not in body


async def test_a_valid_init_data_adds_the_viewers_own_pledge(client: httpx.AsyncClient) -> None:
    by_header = (await client.get(JSON, headers={"X-Telegram-Init-Data": init_data(ASHA_ID)})).json()
    assert by_header["viewer"] == {
        "user_id": ASHA_ID,
        "name": "Asha",
        "pledged_m": 20_800,
        "logged_m": 5_000,
        "hidden": False,
    }


@pytest.mark.parametrize("name", ["init_data", "tgWebAppData", "initData"])
async def test_init_data_in_the_url_is_refused_so_no_proxy_logs_it(client: httpx.AsyncClient, name: str) -> None:
    by_header = await client.get(JSON, headers={"X-Telegram-Init-Data": init_data(ASHA_ID)})
    assert by_header.json()["viewer"]["user_id"] == ASHA_ID
    assert by_header.headers["cache-control"] == "private, no-store"

    by_query = await client.get(JSON, params={name: init_data(ASHA_ID)})
    assert by_query.status_code == 400
    assert by_query.headers["content-type"].startswith("text/plain")
    assert by_query.text == "Init data goes in the X-Telegram-Init-Data header, never in the URL (proxies log URLs).\n"
    assert str(ASHA_ID) not in by_query.text


async def test_the_pages_script_sends_init_data_in_the_header_never_in_the_url(client: httpx.AsyncClient) -> None:
    script = (await client.get("/static/app.js")).text
    assert 'headers["X-Telegram-Init-Data"] = state.initData' in script
    assert "init_data=" not in script and "?tgWebAppData" not in script


@pytest.mark.parametrize(
    "given",
    [
        init_data(ASHA_ID, token="999:OTHER"),
        init_data(ASHA_ID, signed_at=NOW - timedelta(days=2)),
        init_data(ASHA_ID).replace("3001", "3002"),
        "user=%7B%22id%22%3A3001%7D&auth_date=1629292320",
    ],
    ids=["forged", "stale", "tampered", "unsigned"],
)
async def test_forged_or_stale_init_data_gets_the_public_view(client: httpx.AsyncClient, given: str) -> None:
    response = await client.get(JSON, headers={"X-Telegram-Init-Data": given})
    assert response.status_code == 200
    assert response.json()["viewer"] is None
    assert response.json()["progress"]["covered_m"] == 153_500


async def test_without_the_token_nobody_is_recognised(source: SamplePageSource) -> None:
    app = create_web_app(source, clock=lambda: NOW)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://page") as http:
        response = await http.get(JSON, headers={"X-Telegram-Init-Data": init_data(ASHA_ID)})
    assert response.json()["viewer"] is None


async def test_a_hidden_supporter_is_never_on_the_board(ticks: Clock) -> None:
    class WithHidden(SamplePageSource):
        async def page(self, slug: str, viewer_user_id: int | None) -> dict[str, Any]:
            page = sample_page(viewer_user_id)
            ravi = {"name": "Ravi", "pledged_m": 41_600, "logged_m": 10_000, "hidden": True}
            page["supporters"]["board"].append(ravi)
            return page

    app = create_web_app(WithHidden(), bot_token=TOKEN, clock=lambda: NOW, monotonic=ticks)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://page") as http:
        public = await http.get(JSON)
        as_ravi = await http.get(JSON, headers={"X-Telegram-Init-Data": init_data(RAVI_ID)})
    assert "Ravi" not in public.text
    assert [b["name"] for b in as_ravi.json()["supporters"]["board"]] == ["Kavya", "Asha", "Dev <script>"]
    assert as_ravi.json()["viewer"]["hidden"] is True


async def test_a_hidden_position_is_absent_from_the_json(ticks: Clock) -> None:
    app = create_web_app(SamplePageSource(policy=PositionPolicy(PositionMode.HIDE)), monotonic=ticks)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://page") as http:
        page = (await http.get(JSON)).json()
    assert page["position"] is None
    assert page["track"] == []
    assert page["position_policy"] == "hide"


async def test_many_viewers_share_one_read_of_the_figures(
    client: httpx.AsyncClient, source: SamplePageSource, ticks: Clock
) -> None:
    first = await client.get(JSON)
    for _ in range(5):
        assert (await client.get(JSON)).content == first.content
    assert source.page_calls == 1
    ticks.seconds += 2.5
    await client.get(JSON)
    assert source.page_calls == 2


async def test_new_figures_show_once_the_cache_is_old(
    client: httpx.AsyncClient, source: SamplePageSource, ticks: Clock
) -> None:
    before = (await client.get(JSON)).json()
    source.now = NOW + timedelta(days=1)
    ticks.seconds += 2.5
    after = (await client.get(JSON)).json()
    assert (before["progress"]["day"], after["progress"]["day"]) == (4, 5)
    assert before["version"] != after["version"]


async def test_a_browser_that_accepts_gzip_gets_the_same_figures_smaller(client: httpx.AsyncClient) -> None:
    plain = await client.get(JSON, headers={"Accept-Encoding": "identity"})
    packed = await client.get(JSON, headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["content-encoding"] == "gzip"
    assert int(packed.headers["content-length"]) < len(plain.content) / 2
    assert packed.json() == plain.json()


async def test_an_unchanged_page_answers_304_to_its_etag(client: httpx.AsyncClient) -> None:
    first = await client.get(JSON)
    again = await client.get(JSON, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""


async def test_with_no_run_at_all_the_old_address_is_a_404_the_page_explains() -> None:
    class NoRun:
        async def page(self, slug: str, viewer_user_id: int | None) -> None:
            return None

        async def index(self) -> dict[str, Any]:
            return {"open": [], "past": []}

        async def photo(self, photo_id: str) -> None:
            return None

    app = create_web_app(NoRun())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://page") as http:
        response = await http.get("/api/run.json")
        index = await http.get("/")
    assert response.status_code == 404
    assert response.json() == {"error": "No run at the moment."}
    assert index.status_code == 200 and "No run at the moment." in index.text


async def test_a_failing_source_is_a_503_not_a_traceback() -> None:
    class Broken(SamplePageSource):
        async def page(self, slug: str, viewer_user_id: int | None) -> dict[str, Any]:
            raise RuntimeError("database is locked")

    app = create_web_app(Broken())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://page") as http:
        response = await http.get(JSON)
    assert response.status_code == 503
    assert "database" not in response.text


async def test_photos_come_through_the_bots_own_server_and_are_kept_as_the_photo_they_name(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/photos/p1")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.content == SAMPLE_PHOTOS["p1"]
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("path", ["/photos/unknown", "/photos/..%2Fsecret", "/photos/a.b", "/nothing", "/static/x.js"])
async def test_unknown_paths_and_photos_are_404(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code == 404
    if path in ("/photos/unknown", "/photos/a.b"):  # not kept: a browser asks again
        assert response.headers["cache-control"] == "no-cache"


async def test_every_answer_says_only_telegrams_web_clients_and_the_page_itself_may_frame_it(
    client: httpx.AsyncClient,
) -> None:
    for path in (
        "/",
        "/api/runs.json",
        PAGE,
        JSON,
        "/api/run.json",
        "/photos/p1",
        "/static/app.js",
        "/nothing",
        "/r/x",
    ):
        policy = (await client.get(path)).headers["content-security-policy"]
        directives = {part.split()[0]: part.split()[1:] for part in policy.split("; ")}
        assert directives["frame-ancestors"] == ["'self'", "https://web.telegram.org", "https://*.telegram.org"], path


FOREIGN = "evil.example"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/run.json/",
        f"{PAGE}/",
        f"{JSON}/",
        "/r/",
        "/r",
        "/photos/p1/",
        "/healthz/",
        "/static",
        "/static/",
        "//evil.example/",
        "/nothing",
    ],
)
async def test_a_foreign_host_is_never_redirected_to_nor_echoed(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, headers={"Host": FOREIGN})
    assert response.status_code in (200, 404), response.status_code  # no redirect of any kind
    assert "location" not in response.headers
    assert FOREIGN not in response.text
    assert all(FOREIGN not in value for value in response.headers.values())


async def test_a_foreign_host_over_tcp_gets_the_page_with_no_redirect(source: SamplePageSource) -> None:
    server = await serve(create_web_app(source), "127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(f"GET /api/run.json/ HTTP/1.1\r\nHost: {FOREIGN}\r\nConnection: close\r\n\r\n".encode())
        answer = await asyncio.wait_for(reader.read(), 5)
        writer.close()
    finally:
        await server.stop()
    assert answer.startswith(b"HTTP/1.1 404 ")
    assert FOREIGN.encode() not in answer and b"location:" not in answer.lower()


async def test_serve_runs_in_this_loop_and_stops_cleanly(source: SamplePageSource) -> None:
    server = await serve(create_web_app(source), "127.0.0.1", 0)
    async with httpx.AsyncClient() as http:
        response = await http.get(f"http://127.0.0.1:{server.port}{JSON}")
    assert response.json()["progress"]["day"] == 4
    await server.stop()
    assert server.task.done()
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as http:
            await http.get(f"http://127.0.0.1:{server.port}{JSON}")


async def test_a_port_in_use_is_an_error_for_the_caller(source: SamplePageSource) -> None:
    first = await serve(create_web_app(source), "127.0.0.1", 0)
    try:
        with pytest.raises(OSError):
            await serve(create_web_app(source), "127.0.0.1", first.port)
    finally:
        await first.stop()


async def test_the_listening_socket_is_tcp_so_asyncio_turns_nagle_off(source: SamplePageSource) -> None:
    # A socket made with protocol 0 gets no TCP_NODELAY from asyncio: each answer then waits 40 ms
    # for a delayed ACK, and the page's JSON tops out near 1,400 requests a second (bench/web_load.py).
    server = await serve(create_web_app(source), "127.0.0.1", 0)
    try:
        listening = server.server.servers[0].sockets[0]
        assert listening.proto == socket.IPPROTO_TCP
    finally:
        await server.stop()
