"""The live page over HTTP: a Starlette app served by uvicorn in the bot's own event loop.

Routes: `/` (the page), `/static/...` (its script and style), `/api/run.json` (the figures; the
viewer's own pledge too when Telegram's signed init data comes with the request) and
`/photos/{id}` (photo bytes through this server: Telegram's file URLs carry the bot token).
The data comes from a PageSource the bot implements over its services.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any, Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bot.web.initdata import verify_init_data

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
INIT_DATA_HEADER = "X-Telegram-Init-Data"
INIT_DATA_MAX_AGE = timedelta(hours=24)
PHOTO_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
ETAG_SAFE = re.compile(r"[A-Za-z0-9._-]{1,64}")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        # Telegram's Mini App script is the only outside script; the page itself fetches only its own
        # server. No frame-ancestors: Telegram's web clients show a Mini App in a frame.
        b"default-src 'self'; script-src 'self' https://telegram.org; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'",
    ),
]


class PageSource(Protocol):
    """What the page shows, in the JSON form the README describes ("The live page"); the bot implements it."""

    async def page(self, viewer_user_id: int | None) -> dict[str, Any] | None:
        """The current run's figures (None: no current run); with a user id, also that user's `viewer`."""
        ...

    async def photo(self, photo_id: str) -> bytes | None:
        """The bytes of a photo named in the page (an update's `photo`), or None."""
        ...


def public_view(page: dict[str, Any]) -> dict[str, Any]:
    """The page as anybody may see it: no viewer, and no hidden supporter on the board."""
    view = dict(page)
    view["viewer"] = None
    return _without_hidden(view)


def _without_hidden(page: dict[str, Any]) -> dict[str, Any]:
    supporters = page.get("supporters")
    if isinstance(supporters, dict) and isinstance(supporters.get("board"), list):
        board = [entry for entry in supporters["board"] if not entry.get("hidden")]
        page["supporters"] = {**supporters, "board": board}
    return page


def _json_bytes(page: dict[str, Any]) -> bytes:
    return json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class _Cached:
    body: bytes
    gzipped: bytes  # the same, compressed once per version: phones on mobile data
    etag: str
    version: str | None
    fetched: float


class _PublicPage:
    """The public JSON as bytes, asked of the source at most once per `max_age` seconds.

    The page polls every 30 s and many people may watch at once: they share one answer. Concurrent
    misses wait for the one fetch under way; the bytes are serialised again only when the data's
    `version` changed.
    """

    def __init__(self, source: PageSource, max_age: float, monotonic: Callable[[], float]) -> None:
        self.source = source
        self.max_age = max_age
        self.monotonic = monotonic
        self.cached: _Cached | None = None
        self.empty = False  # the source had no current run at the last fetch
        self.lock = asyncio.Lock()

    def fresh(self) -> bool:
        return self.cached is not None and self.monotonic() - self.cached.fetched < self.max_age

    async def get(self) -> _Cached | None:
        if self.fresh():
            return None if self.empty else self.cached
        async with self.lock:
            if not self.fresh():
                await self._fetch()
        return None if self.empty else self.cached

    async def _fetch(self) -> None:
        page = await self.source.page(None)
        now = self.monotonic()
        if page is None:
            self.empty = True
            self.cached = _Cached(b"", b"", "", None, now)
            return
        self.empty = False
        given = page.get("version")
        version = given if isinstance(given, str) and ETAG_SAFE.fullmatch(given) else None
        if self.cached is not None and version is not None and version == self.cached.version:
            self.cached.fetched = now
            return
        body = _json_bytes(public_view(page))
        etag = f'"{version or sha256(body).hexdigest()[:16]}"'
        self.cached = _Cached(body, gzip.compress(body, 6), etag, version, now)


def _photo_type(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "application/octet-stream"


class _SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_web_app(
    source: PageSource,
    *,
    bot_token: str | None = None,
    cache_seconds: float = 2.0,
    init_data_max_age: timedelta = INIT_DATA_MAX_AGE,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    monotonic: Callable[[], float] = time.monotonic,
    health: Callable[[], Awaitable[tuple[int, dict[str, Any]]]] | None = None,
) -> Starlette:
    """The live page's app. Without `bot_token` nobody is recognised: everyone gets the public view."""
    index = (STATIC / "index.html").read_bytes()
    public = _PublicPage(source, cache_seconds, monotonic)

    async def page(request: Request) -> Response:
        return Response(index, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    def viewer_id(request: Request) -> int | None:
        init_data = request.headers.get(INIT_DATA_HEADER) or request.query_params.get("init_data")
        if not init_data or not bot_token:
            return None
        user = verify_init_data(init_data, bot_token, clock(), init_data_max_age)
        return user.id if user else None

    async def run_json(request: Request) -> Response:
        user_id = viewer_id(request)
        try:
            if user_id is not None:
                personal = await source.page(user_id)
                if personal is None:
                    return _no_run()
                body = _json_bytes(_without_hidden(dict(personal)))
                return Response(body, media_type="application/json", headers={"Cache-Control": "private, no-store"})
            cached = await public.get()
        except Exception:
            log.exception("The live page's data could not be read")
            return JSONResponse({"error": "The figures are not available right now."}, status_code=503)
        if cached is None:
            return _no_run()
        headers = {"Cache-Control": "no-cache", "ETag": cached.etag, "Vary": f"Accept-Encoding, {INIT_DATA_HEADER}"}
        if request.headers.get("if-none-match") == cached.etag:
            return Response(status_code=304, headers=headers)
        if accepts_gzip(request.headers.get("accept-encoding", "")):
            headers["Content-Encoding"] = "gzip"
            return Response(cached.gzipped, media_type="application/json", headers=headers)
        return Response(cached.body, media_type="application/json", headers=headers)

    async def photo(request: Request) -> Response:
        photo_id = request.path_params["photo_id"]
        if not PHOTO_ID.fullmatch(photo_id):
            return Response("Not Found", status_code=404, media_type="text/plain")
        try:
            data = await source.photo(photo_id)
        except Exception:
            log.exception("Photo %s could not be read", photo_id)
            return Response("The photo is not available right now.", status_code=503, media_type="text/plain")
        if data is None:
            return Response("Not Found", status_code=404, media_type="text/plain")
        headers = {"Cache-Control": "public, max-age=86400"}
        return Response(data, media_type=_photo_type(data), headers=headers)

    async def healthz(request: Request) -> Response:
        if health is None:
            return JSONResponse({"status": "ok"})
        status, body = await health()
        return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})

    app = Starlette(
        routes=[
            Route("/", page, methods=["GET", "HEAD"]),
            Route("/healthz", healthz, methods=["GET", "HEAD"]),
            Route("/api/run.json", run_json, methods=["GET", "HEAD"]),
            Route("/photos/{photo_id}", photo, methods=["GET", "HEAD"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
    )
    app.add_middleware(_SecurityHeaders)
    return app


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header takes gzip: listed (or "*") with a quality above 0."""
    for coding in accept_encoding.lower().split(","):
        name, _, params = coding.strip().partition(";")
        if name.strip() not in ("gzip", "*"):
            continue
        quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
        try:
            return float(quality) > 0
        except ValueError:
            return False
    return False


def _no_run() -> Response:
    return JSONResponse({"error": "No run at the moment."}, status_code=404, headers={"Cache-Control": "no-cache"})


class _OneWrite:
    """A connection's transport that gathers the writes of one turn of the event loop into one send.

    uvicorn writes a response's head and its body separately: two system calls and two packets where
    one will do. On a busy small server each send that wakes the reader costs tens of µs of the loop's
    time, the bot's time too (bench: web.update_cost_ratio).
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._held: list[bytes] = []
        self._loop = asyncio.get_running_loop()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._held:
            self._loop.call_soon(self._flush)
        self._held.append(bytes(data))

    def writelines(self, lines: Iterable[bytes | bytearray | memoryview]) -> None:
        for data in lines:
            self.write(data)

    def _flush(self) -> None:
        if self._held:
            data = b"".join(self._held)
            self._held.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _OneWriteHttpTools(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_OneWrite(transport))  # type: ignore[arg-type]


class _BotOwnsSignals(uvicorn.Server):
    """uvicorn inside the bot: Ctrl-C and SIGTERM are the bot's to handle; it stops the server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class WebServer:
    server: uvicorn.Server
    task: asyncio.Task[None]
    host: str
    port: int  # the bound port (useful with port 0)

    async def stop(self) -> None:
        """Close the listening socket, finish the requests under way, return when done."""
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket. Its protocol is IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on such
    sockets, and without it each response's second write waits for a delayed ACK (40 ms)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


async def serve(web_app: ASGIApp, host: str, port: int, log_level: str = "warning") -> WebServer:
    """Start serving `web_app` on host:port in the running event loop; returns once it accepts connections.

    The socket is bound here, so a port in use raises OSError to the caller (uvicorn's own bind would
    exit the process).
    """
    sock = _listen(host, port)
    config = uvicorn.Config(
        web_app,
        http=_OneWriteHttpTools,
        log_level=log_level,
        log_config=None,  # uvicorn's records go through the bot's own logging set-up
        lifespan="off",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=5,
        backlog=2048,
    )
    server = _BotOwnsSignals(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name="live page")
    while not server.started:
        if task.done():
            sock.close()
            task.result()
            raise RuntimeError("The live page's server stopped while starting")
        await asyncio.sleep(0.01)
    return WebServer(server, task, host, sock.getsockname()[1])
