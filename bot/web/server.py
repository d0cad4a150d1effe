"""The live pages over HTTP: a Starlette app served by uvicorn in the bot's own event loop.

Routes: `/` (the index of runs, written here: open listed runs and past ones), `/api/runs.json` (the same as
JSON), `/r/<slug>` (a run's live page), `/r/<slug>/run.json` (its figures; the viewer's own pledge too when
Telegram's signed init data comes in the X-Telegram-Init-Data header, never in the URL), `/static/...` (the
pages' scripts and style), `/photos/{id}` (photo bytes through this server: Telegram's file URLs carry the
bot token) and `/healthz`. `/api/run.json`, the old address from when the bot had one run, answers the
newest open listed run's figures (else the latest ended one's) for old links and pages. The data comes from a
PageSource the bot implements over its services.

The server holds under idle or hostile connections (`serve`): at most `Limits.max_connections` open
at once, computed from the process's open-file limit; when full, the oldest connection still
waiting for a request is closed for the newcomer, and with none waiting the newcomer is answered
503 with Retry-After. A request head must be complete within `head_timeout` seconds and
`max_head` bytes (else 408/431 and the connection closed). Running out of file descriptors on
accept answers 503 with a spare one instead of asyncio's traceback a try; each of these is logged
at most once a minute, with a count.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gzip
import html
import json
import logging
import os
import re
import resource
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import sha256
from pathlib import Path
from typing import Any, ClassVar, NoReturn, Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from bot.domain.slugs import is_slug
from bot.web import index_page
from bot.web.initdata import verify_init_data

log = logging.getLogger(__name__)

STATIC = Path(__file__).with_name("static")
INIT_DATA_HEADER = "X-Telegram-Init-Data"  # Telegram.WebApp.initData, sent by static/app.js
INIT_DATA_IN_URL = ("init_data", "tgWebAppData", "initData")  # refused: proxies log URLs
INIT_DATA_MAX_AGE = timedelta(hours=24)
PHOTO_ID = re.compile(r"[A-Za-z0-9_-]{1,128}")
ETAG_SAFE = re.compile(r"[A-Za-z0-9._-]{1,64}")
RUNS_CACHED = 64  # runs whose public JSON is kept, those asked for last
RUN_TITLE = "<title>Live run</title>"  # static/run.html's, replaced by the run's own
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (
        b"content-security-policy",
        # Telegram's Mini App script is the only outside script; the page itself fetches only its own
        # server. Framed only by itself and Telegram's web clients (web.telegram.org/a/ and /k/, formerly
        # webk. and webz.telegram.org), which show a Mini App in an iframe; the phone and desktop apps
        # open it in a web view of their own, not a frame.
        b"default-src 'self'; script-src 'self' https://telegram.org; style-src 'self' 'unsafe-inline'; "
        b"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
        b"frame-ancestors 'self' https://web.telegram.org https://*.telegram.org",
    ),
]


class PageSource(Protocol):
    """What the pages show, in the JSON forms docs/json.md describes; the bot implements it."""

    async def page(self, slug: str, viewer_user_id: int | None) -> dict[str, Any] | None:
        """The figures of the run called `slug` (None: no run has that name); with a user id, also that user's
        `viewer`. Only slugs that pass `bot.domain.slugs.is_slug` are asked for."""
        ...

    async def index(self) -> dict[str, Any]:
        """`{"open": [...], "past": [...]}`: the open listed runs, newest first, and the latest ended listed ones;
        each entry `slug`, `title`, `from`, `to`, `distance_m`, `start_date`, `end_date`, `covered_m`, `ended`,
        `page`. An unlisted run is in neither, and its page is served all the same."""
        ...

    async def photo(self, photo_id: str) -> bytes | None:
        """The bytes of a photo named in a page (an update's `photo`), or None.

        A photo id names the photo itself, not its place: an id once served always serves the same bytes
        or none (browsers keep them a year)."""
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


def _title_of(page: dict[str, Any]) -> str:
    run = page.get("run")
    title = run.get("title") if isinstance(run, dict) else None
    return title if isinstance(title, str) else ""


@dataclass
class _Cached:
    body: bytes
    gzipped: bytes  # the same, compressed once per version: phones on mobile data
    etag: str
    version: str | None
    fetched: float
    title: str = ""  # the run's (the page's <title>: link previews)
    html: bytes = b""  # the index's page, written once per version of its JSON
    newest: str | None = None  # the index's: the run the old address /api/run.json stands for


class _Shared:
    """Concurrent asks for one key share the one fetch under way; a viewer who leaves does not cancel it for
    the others. Keys in flight only: as many as the requests under way."""

    def __init__(self) -> None:
        self.fetching: dict[str, asyncio.Future[_Cached | None]] = {}

    async def get(self, key: str, fetch: Callable[[], Awaitable[_Cached | None]]) -> _Cached | None:
        under_way = self.fetching.get(key)
        if under_way is None:
            under_way = asyncio.ensure_future(fetch())
            self.fetching[key] = under_way
            under_way.add_done_callback(lambda done: self._done(key, done))
        return await asyncio.shield(under_way)

    def _done(self, key: str, done: asyncio.Future[_Cached | None]) -> None:
        self.fetching.pop(key, None)
        if not done.cancelled():
            done.exception()  # retrieved: every waiter may have left (its own request logs it)


class _PublicPages:
    """Each run's public JSON as bytes, asked of the source at most once per `max_age` seconds per run.

    The page polls every 30 s and many people may watch a run at once: they share one answer. Concurrent
    misses wait for the one fetch under way; the bytes are serialised again only when the data's `version`
    changed. Only runs that exist are kept, the `size` asked for last: a flood of made-up slugs costs the
    source a look each, and keeps nothing here.
    """

    def __init__(self, source: PageSource, max_age: float, monotonic: Callable[[], float], size: int) -> None:
        self.source = source
        self.max_age = max_age
        self.monotonic = monotonic
        self.size = size
        self.entries: OrderedDict[str, _Cached] = OrderedDict()
        self.shared = _Shared()

    async def get(self, slug: str) -> _Cached | None:
        cached = self.entries.get(slug)
        if cached is not None and self.monotonic() - cached.fetched < self.max_age:
            self.entries.move_to_end(slug)
            return cached
        return await self.shared.get(slug, lambda: self._fetch(slug))

    async def _fetch(self, slug: str) -> _Cached | None:
        page = await self.source.page(slug, None)
        now = self.monotonic()
        if page is None:
            self.entries.pop(slug, None)
            return None
        given = page.get("version")
        version = given if isinstance(given, str) and ETAG_SAFE.fullmatch(given) else None
        cached = self.entries.get(slug)
        if cached is not None and version is not None and version == cached.version:
            cached.fetched = now
        else:
            body = _json_bytes(public_view(page))
            etag = f'"{version or sha256(body).hexdigest()[:16]}"'
            cached = _Cached(body, gzip.compress(body, 6), etag, version, now, _title_of(page))
        self.entries[slug] = cached
        self.entries.move_to_end(slug)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return cached


class _PublicIndex:
    """The index's JSON and its page, asked of the source at most once per `max_age` seconds."""

    def __init__(self, source: PageSource, max_age: float, monotonic: Callable[[], float], template: str) -> None:
        self.source = source
        self.max_age = max_age
        self.monotonic = monotonic
        self.template = template
        self.cached: _Cached | None = None
        self.shared = _Shared()

    async def get(self) -> _Cached:
        cached = self.cached
        if cached is not None and self.monotonic() - cached.fetched < self.max_age:
            return cached
        fetched = await self.shared.get("index", self._fetch)
        assert fetched is not None
        return fetched

    async def _fetch(self) -> _Cached:
        index = index_page.public_index(await self.source.index())
        now = self.monotonic()
        body = _json_bytes(index)
        digest = sha256(body).hexdigest()[:16]
        if self.cached is not None and self.cached.version == digest:
            self.cached.fetched = now
            return self.cached
        page = index_page.render(self.template, index)
        self.cached = _Cached(
            body, gzip.compress(body, 6), f'"{digest}"', digest, now, "", page, index_page.newest(index)
        )
        return self.cached


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
    runs_cached: int = RUNS_CACHED,
) -> Starlette:
    """The live pages' app. Without `bot_token` nobody is recognised: everyone gets the public view.

    `cache_seconds`: how long the public JSON of a run, and the index, are served before the source is asked
    again; `runs_cached`: how many runs' public JSON are kept (those asked for last)."""
    run_html = (STATIC / "run.html").read_text(encoding="utf-8")
    if RUN_TITLE not in run_html:
        raise ValueError(f"static/run.html has no {RUN_TITLE}")
    pages = _PublicPages(source, cache_seconds, monotonic, runs_cached)
    index = _PublicIndex(source, cache_seconds, monotonic, index_page.read_template(STATIC / "index.html"))

    def viewer_id(request: Request) -> int | None:
        init_data = request.headers.get(INIT_DATA_HEADER)
        if not init_data or not bot_token:
            return None
        user = verify_init_data(init_data, bot_token, clock(), init_data_max_age)
        return user.id if user else None

    async def index_html(request: Request) -> Response:
        try:
            cached = await index.get()
        except Exception:
            log.exception("The index of runs could not be read")
            return _unavailable("The runs are not available right now.\n")
        headers = {"Cache-Control": "no-cache", "ETag": cached.etag}
        if request.headers.get("if-none-match") == cached.etag:
            return Response(status_code=304, headers=headers)
        return Response(cached.html, media_type="text/html; charset=utf-8", headers=headers)

    async def runs_json(request: Request) -> Response:
        try:
            cached = await index.get()
        except Exception:
            log.exception("The index of runs could not be read")
            return JSONResponse({"error": "The runs are not available right now."}, status_code=503)
        return _public_json(request, cached, vary=False)

    async def run_page(request: Request) -> Response:
        slug = request.path_params["slug"]
        if not is_slug(slug):
            return _no_such_run_page()
        try:
            cached = await pages.get(slug)
        except Exception:
            log.exception("The live page of %s could not be read", slug)
            return _unavailable("The run's page is not available right now.\n")
        if cached is None:
            return _no_such_run_page()
        title = html.escape(f"{cached.title} · live" if cached.title else "Live run")
        body = run_html.replace(RUN_TITLE, f"<title>{title}</title>", 1)
        return Response(body, media_type="text/html; charset=utf-8", headers={"Cache-Control": "no-cache"})

    async def run_json(request: Request) -> Response:
        slug = request.path_params["slug"]
        if not is_slug(slug):
            return _no_such_run()
        return await figures(request, slug, _no_such_run)

    async def newest_run_json(request: Request) -> Response:
        try:
            slug = (await index.get()).newest
        except Exception:
            log.exception("The index of runs could not be read")
            return JSONResponse({"error": "The figures are not available right now."}, status_code=503)
        if slug is None:
            return _no_run()
        return await figures(request, slug, _no_run)

    async def figures(request: Request, slug: str, none: Callable[[], Response]) -> Response:
        if any(name in request.query_params for name in INIT_DATA_IN_URL):
            return Response(
                f"Init data goes in the {INIT_DATA_HEADER} header, never in the URL (proxies log URLs).\n",
                status_code=400,
                media_type="text/plain",
                headers={"Cache-Control": "no-store"},
            )
        user_id = viewer_id(request)
        try:
            if user_id is not None:
                personal = await source.page(slug, user_id)
                if personal is None:
                    return none()
                body = _json_bytes(_without_hidden(dict(personal)))
                return Response(body, media_type="application/json", headers={"Cache-Control": "private, no-store"})
            cached = await pages.get(slug)
        except Exception:
            log.exception("The figures of %s could not be read", slug)
            return JSONResponse({"error": "The figures are not available right now."}, status_code=503)
        if cached is None:
            return none()
        return _public_json(request, cached, vary=True)

    async def photo(request: Request) -> Response:
        photo_id = request.path_params["photo_id"]
        if not PHOTO_ID.fullmatch(photo_id):
            return _no_photo()
        try:
            data = await source.photo(photo_id)
        except Exception:
            log.exception("Photo %s could not be read", photo_id)
            return _unavailable("The photo is not available right now.")
        if data is None:
            return _no_photo()
        # The id names this photo (PageSource.photo): it never shows another one, so browsers keep it.
        headers = {"Cache-Control": "public, max-age=31536000, immutable"}
        return Response(data, media_type=_photo_type(data), headers=headers)

    async def healthz(request: Request) -> Response:
        if health is None:
            return JSONResponse({"status": "ok"})
        status, body = await health()
        return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})

    app = Starlette(
        routes=[  # the one polled every 30 s by every viewer first: routes are tried in order
            Route("/r/{slug}/run.json", run_json, methods=["GET", "HEAD"]),
            Route("/r/{slug}", run_page, methods=["GET", "HEAD"]),
            Route("/", index_html, methods=["GET", "HEAD"]),
            Route("/api/runs.json", runs_json, methods=["GET", "HEAD"]),
            Route("/api/run.json", newest_run_json, methods=["GET", "HEAD"]),
            Route("/healthz", healthz, methods=["GET", "HEAD"]),
            Route("/photos/{photo_id}", photo, methods=["GET", "HEAD"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
    )
    # No "/x/" -> "/x" redirects: Starlette builds them from the request's Host header, which would send a
    # browser to whatever host the request named. A path the app does not have is a 404.
    app.router.redirect_slashes = False
    app.add_middleware(_SecurityHeaders)
    return app


def _public_json(request: Request, cached: _Cached, vary: bool) -> Response:
    """A shared public document: its ETag (304 to a match), gzipped to a client that takes it."""
    headers = {"Cache-Control": "no-cache", "ETag": cached.etag}
    headers["Vary"] = f"Accept-Encoding, {INIT_DATA_HEADER}" if vary else "Accept-Encoding"
    if request.headers.get("if-none-match") == cached.etag:
        return Response(status_code=304, headers=headers)
    if accepts_gzip(request.headers.get("accept-encoding", "")):
        headers["Content-Encoding"] = "gzip"
        return Response(cached.gzipped, media_type="application/json", headers=headers)
    return Response(cached.body, media_type="application/json", headers=headers)


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


def _no_photo() -> Response:
    return Response("Not Found", status_code=404, media_type="text/plain", headers={"Cache-Control": "no-cache"})


def _no_run() -> Response:
    return JSONResponse({"error": "No run at the moment."}, status_code=404, headers={"Cache-Control": "no-cache"})


def _no_such_run() -> Response:
    return JSONResponse({"error": "No run at this address."}, status_code=404, headers={"Cache-Control": "no-cache"})


def _no_such_run_page() -> Response:
    return Response(
        "No run at this address.\n", status_code=404, media_type="text/plain", headers={"Cache-Control": "no-cache"}
    )


def _unavailable(text: str) -> Response:
    return Response(text, status_code=503, media_type="text/plain", headers={"Cache-Control": "no-store"})


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


# ---- holding under many, idle or hostile connections ----

MAX_HEAD = 16 * 1024  # a request's line and headers; Telegram's init data is under 4 KiB
HEAD_TIMEOUT_S = 10.0  # from a connection (or the end of its last response) to its next complete request head
KEEP_ALIVE_S = 5  # uvicorn's: a connection with nothing sent since its last response
RESERVED_FILES = 128  # the bot's own: the database (with -wal, -shm, a backup), Telegram's connections, logs, fonts
CEILING = 8192  # connections at most, whatever the open-file limit
RETRY_AFTER_S = 5
REFUSAL_LINGER_S = 1.0  # a refused connection's request is read (and dropped) this long: no reset eats the 503
LOG_EVERY_S = 60.0
ACCEPT_PAUSE_S = 0.9  # under asyncio's own pause (1 s) after an accept out of descriptors
SHED_PER_TURN = 64  # connections answered 503 on accept in one turn of the loop, at most


def _plain(status: int, phrase: str, text: str, *headers: str) -> bytes:
    body = text.encode()
    head = [
        f"HTTP/1.1 {status} {phrase}",
        "content-type: text/plain; charset=utf-8",
        f"content-length: {len(body)}",
        "cache-control: no-store",
        "connection: close",
        *headers,
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


BUSY = _plain(
    503, "Service Unavailable", "The live page is busy. Try again in a few seconds.\n", f"retry-after: {RETRY_AFTER_S}"
)
HEAD_TOO_LARGE = _plain(431, "Request Header Fields Too Large", "The request's headers are too large.\n")
HEAD_TOO_SLOW = _plain(408, "Request Timeout", "The request took too long to arrive.\n")


@dataclass(frozen=True)
class Limits:
    max_connections: int  # served at once
    max_refusing: int  # over the cap and being answered 503 at once; beyond, answered 503 on accept and closed
    max_head: int = MAX_HEAD
    head_timeout: float = HEAD_TIMEOUT_S

    @property
    def max_sockets(self) -> int:
        """Connections open at once, whatever their state: the file descriptors this server may hold."""
        return self.max_connections + self.max_refusing

    @classmethod
    def for_open_files(cls, open_files: int) -> Limits:
        """The caps under an open-file limit (RLIMIT_NOFILE's soft one): RESERVED_FILES (at most half) kept for
        the bot itself, a sixteenth of the rest for 503 answers, the rest for connections (at most CEILING)."""
        if open_files == resource.RLIM_INFINITY or open_files < 0 or open_files > 16 * CEILING:
            open_files = 16 * CEILING
        usable = max(open_files - min(RESERVED_FILES, open_files // 2), 2)
        refusing = max(usable // 16, 1)
        connections = min(usable - refusing, CEILING)
        return cls(connections, min(refusing, max(connections // 15, 1)))


class _Tally:
    """Events of one kind logged at most once per `every` seconds: the first at once, then one line with a count."""

    def __init__(self, logger: logging.Logger, level: int, message: str, every: float = LOG_EVERY_S) -> None:
        self.logger = logger
        self.level = level
        self.message = message
        self.every = every
        self.total = 0
        self.unlogged = 0
        self.last = -every
        self.due: asyncio.TimerHandle | None = None

    def note(self) -> None:
        self.total += 1
        self.unlogged += 1
        now = time.monotonic()
        if now - self.last >= self.every:
            self.flush()
        elif self.due is None:
            self.due = asyncio.get_running_loop().call_later(self.last + self.every - now, self.flush)

    def flush(self) -> None:
        self.due = None
        if self.unlogged == 1 and self.total == 1:
            self.logger.log(self.level, "%s (more are counted: one line a minute at most)", self.message)
        elif self.unlogged:
            self.logger.log(
                self.level, "%s (%d times since the last such line, %d in all)", self.message, self.unlogged, self.total
            )
        self.unlogged = 0
        self.last = time.monotonic()

    def close(self) -> None:
        if self.due is not None:
            self.due.cancel()
            self.flush()


class _Guard:
    """What one server's connections share: the limits, who waits for a request head (oldest first), who is
    being refused, and the tallies of what was refused."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.connections: set[Any] = set()  # uvicorn's, once the server exists
        self.pending = 0  # accepted, not yet handed to a protocol
        self.waiting: OrderedDict[_PageProtocol, None] = OrderedDict()
        self.refusing: set[_Refusal] = set()
        self.full = _Tally(
            log,
            logging.WARNING,
            f"The live page's server is full ({limits.max_connections} connections): a new one was answered 503",
        )
        self.evicted = _Tally(
            log,
            logging.WARNING,
            f"The live page's server is full ({limits.max_connections} connections): the oldest idle one was"
            " closed for a new one",
        )
        self.out_of_files = _Tally(
            log,
            logging.ERROR,
            "The live page's server is out of file descriptors (the process's open-file limit, LimitNOFILE):"
            " a connection was answered 503",
        )
        self.warnings: dict[str, _Tally] = {}

    def in_use(self) -> int:
        """Sockets this server holds: served (closing ones too, until closed), being refused, just accepted."""
        return len(self.connections) + len(self.refusing) + self.pending

    def admit(self) -> bool:
        """Whether a new connection may be served: under the cap, or the oldest one idle closed for it."""
        self.pending = max(self.pending - 1, 0)
        if len(self.connections) < self.limits.max_connections:
            return True
        if not self.waiting:
            return False
        oldest, _ = self.waiting.popitem(last=False)
        oldest.evict()
        self.evicted.note()
        return True

    def refuse(self, transport: asyncio.Transport) -> None:
        self.full.note()
        refusal = _Refusal(self, answer=len(self.refusing) < self.limits.max_refusing)
        transport.set_protocol(refusal)
        refusal.connection_made(transport)

    def warn(self, logger: logging.Logger, message: str) -> None:
        tally = self.warnings.get(message)
        if tally is None:
            if len(self.warnings) >= 32:  # uvicorn's messages are a few fixed strings
                return
            tally = self.warnings[message] = _Tally(logger, logging.WARNING, message)
        tally.note()

    def close(self) -> None:
        for tally in (self.full, self.evicted, self.out_of_files, *self.warnings.values()):
            tally.close()


class _Refusal(asyncio.Protocol):
    """A connection over the cap: 503 with Retry-After at once, the write side shut, what the client sends read
    and dropped, closed when the client closes or after REFUSAL_LINGER_S."""

    def __init__(self, guard: _Guard, answer: bool = True) -> None:
        self.guard = guard
        self.answer = answer
        self.linger: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.guard.refusing.add(self)
        if not self.answer:  # too many answers under way already
            transport.abort()
            return
        transport.write(BUSY)
        if transport.can_write_eof():
            transport.write_eof()
        self.linger = asyncio.get_running_loop().call_later(REFUSAL_LINGER_S, transport.abort)

    def data_received(self, data: bytes) -> None:
        pass

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.refusing.discard(self)
        if self.linger is not None:
            self.linger.cancel()


class _QuietLogger(logging.LoggerAdapter[logging.Logger]):
    """uvicorn's logger for one connection: its per-request warnings ("Invalid HTTP request received.") go
    through the guard's tallies, at most a line a minute each; errors pass as they are."""

    def __init__(self, logger: logging.Logger, guard: _Guard) -> None:
        super().__init__(logger, {})
        self.guard = guard

    @property
    def level(self) -> int:
        return self.logger.level

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if level == logging.WARNING and isinstance(msg, str) and not args:
            if self.isEnabledFor(level):
                self.guard.warn(self.logger, msg)
            return
        super().log(level, msg, *args, **kwargs)


class _PageProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the guard's limits: the cap on connections, the request head's size
    and deadline, and each response's writes gathered into one send (_OneWrite)."""

    guard: ClassVar[_Guard]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = _QuietLogger(self.logger, self.guard)  # type: ignore[assignment]
        self._head_timer: asyncio.TimerHandle | None = None
        self._head_bytes = 0
        self._waiting = False  # for a request head, with no request in hand
        self._parsing_head = False
        self._refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        if not self.guard.admit():
            self.guard.refuse(transport)
            return
        super().connection_made(_OneWrite(transport))  # type: ignore[arg-type]
        self._wait_for_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def evict(self) -> None:
        self._stop_waiting()
        if self.transport.get_write_buffer_size():  # a slow reader's last response: close() would wait for it
            self.transport.abort()
        else:
            self.transport.close()

    def _wait_for_head(self) -> None:
        self._stop_waiting()
        self._waiting = True
        if not self._parsing_head:
            self._head_bytes = 0
        self.guard.waiting[self] = None
        self._head_timer = self.loop.call_later(self.guard.limits.head_timeout, self._head_timed_out)

    def _stop_waiting(self) -> None:
        if self._waiting:
            self._waiting = False
            self.guard.waiting.pop(self, None)
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._waiting or self.transport.is_closing():
            return
        self._stop_waiting()
        if self._head_bytes:  # a head begun and never finished (slowloris): say so
            self.transport.write(HEAD_TOO_SLOW)
        self.transport.close()

    def _refuse_head(self) -> None:
        self._refused = True
        self._stop_waiting()
        if self.cycle is None or self.cycle.response_complete:  # not in the middle of another response
            self.transport.write(HEAD_TOO_LARGE)
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._waiting or self._parsing_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if (
            (self._waiting or self._parsing_head)
            and self._head_bytes > self.guard.limits.max_head
            and not self._refused
            and not self.transport.is_closing()
        ):
            self._refuse_head()  # the rest of it is never read

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._parsing_head = True

    def on_headers_complete(self) -> None:
        self._parsing_head = False
        self._stop_waiting()
        self._head_bytes = 0
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.guard.limits.max_head:
            self._refuse_head()
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self._refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self._refused:
            super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        idle = self.cycle is None or self.cycle.response_complete  # no pipelined request started
        if idle and not self._refused and not self.transport.is_closing():
            self._wait_for_head()


def _open_spare() -> int | None:
    try:
        return os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


def _answer_busy(conn: socket.socket) -> None:
    try:
        conn.setblocking(False)
        with contextlib.suppress(OSError):
            conn.recv(MAX_HEAD)  # its request, if here: closing over unread bytes would reset the answer away
        conn.send(BUSY)
        conn.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    finally:
        conn.close()


class _Listener(socket.socket):
    """The page's listening socket; asyncio's accept loop calls `accept` up to `backlog` times a turn.

    Past `Limits.max_sockets` (connections served, closing or being refused) a connection is answered 503 and
    closed right here: the protocols see each connection a turn later, too late to keep the count of
    descriptors under the cap in a burst. With the process out of descriptors all the same (EMFILE: the bot's
    own files), asyncio would log a traceback per try, 2,048 a turn, and schedule as many retries: the loop
    spins and the log floods. Here a spare descriptor, kept for that, takes the connection waiting, answers it
    503 and closes it; without one, asyncio pauses accepting a second, once. One line a minute says how many."""

    guard: _Guard | None = None
    spare: int | None = None
    pausing = False

    def accept(self) -> tuple[socket.socket, Any]:
        guard = self.guard
        if guard is None:
            return super().accept()
        for _ in range(SHED_PER_TURN):
            conn, address = self._accept_one(guard)
            if guard.in_use() < guard.limits.max_sockets:
                guard.pending += 1
                return conn, address
            # Full, and the answers under way (or the connections being closed) hold the room: answered here,
            # at once, so the descriptors in use never pass the cap.
            _answer_busy(conn)
            guard.full.note()
        raise BlockingIOError(errno.EAGAIN, "the next ones on the next turn")

    def _accept_one(self, guard: _Guard) -> tuple[socket.socket, Any]:
        try:
            return super().accept()  # BlockingIOError: none waiting, asyncio returns
        except OSError as exc:
            if exc.errno not in (errno.EMFILE, errno.ENFILE):
                raise
            self._out_of_files(guard, exc)

    def _out_of_files(self, guard: _Guard, exc: OSError) -> NoReturn:
        if self.pausing:
            raise BlockingIOError(errno.EAGAIN, "accepting again shortly") from None
        if self.spare is None:
            self.spare = _open_spare()
        if self.spare is None:
            guard.out_of_files.note()
            self.pausing = True
            asyncio.get_running_loop().call_later(ACCEPT_PAUSE_S, self._resume)
            raise exc  # asyncio stops accepting for a second (its traceback is filtered out: the tally says it)
        os.close(self.spare)
        self.spare = None
        try:
            conn, _ = super().accept()
        except OSError:  # nothing waiting after all, or it went away
            self.spare = _open_spare()
            raise BlockingIOError(errno.EAGAIN, "nothing to accept") from None
        _answer_busy(conn)
        self.spare = _open_spare()
        guard.out_of_files.note()
        raise BlockingIOError(errno.EAGAIN, "answered 503; the next one on the next turn") from None

    def _resume(self) -> None:
        self.pausing = False

    def close_spare(self) -> None:
        if self.spare is not None:
            os.close(self.spare)
            self.spare = None


class _NoAcceptTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("socket.accept() out of system resource")


_NO_ACCEPT_TRACEBACK = _NoAcceptTraceback()


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
    limits: Limits
    _listener: _Listener
    _guard: _Guard

    async def stop(self) -> None:
        """Close the listening socket, finish the requests under way, return when done."""
        self.server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        self._listener.close_spare()
        self._guard.close()


def _listen(host: str, port: int) -> _Listener:
    """A listening TCP socket. Its protocol is IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on such
    sockets, and without it each response's second write waits for a delayed ACK (40 ms)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP, flags=socket.AI_PASSIVE
    )[0]
    sock = _Listener(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


def open_files_limit() -> int:
    """The process's open-file limit (RLIMIT_NOFILE's soft one: systemd's LimitNOFILE=), read now."""
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


async def serve(
    web_app: ASGIApp, host: str, port: int, log_level: str = "warning", limits: Limits | None = None
) -> WebServer:
    """Start serving `web_app` on host:port in the running event loop; returns once it accepts connections.

    The socket is bound here, so a port in use raises OSError to the caller (uvicorn's own bind would
    exit the process). `limits` default to those of the process's open-file limit at this moment.
    """
    limits = limits or Limits.for_open_files(open_files_limit())
    guard = _Guard(limits)
    sock = _listen(host, port)
    sock.guard = guard
    sock.spare = _open_spare()
    logging.getLogger("asyncio").addFilter(_NO_ACCEPT_TRACEBACK)
    protocol: type[_PageProtocol] = type("_PageProtocolOfServer", (_PageProtocol,), {"guard": guard})
    config = uvicorn.Config(
        web_app,
        http=protocol,
        ws="none",  # no websockets here: an Upgrade request is an ordinary one
        log_level=log_level,
        log_config=None,  # uvicorn's records go through the bot's own logging set-up
        lifespan="off",
        access_log=False,  # nor would a URL be logged with init data in it: that goes in a header
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_S,
        timeout_graceful_shutdown=5,
        backlog=2048,
    )
    server = _BotOwnsSignals(config)
    guard.connections = server.server_state.connections
    task = asyncio.create_task(server.serve(sockets=[sock]), name="live page")
    while not server.started:
        if task.done():
            sock.close()
            sock.close_spare()
            task.result()
            raise RuntimeError("The live page's server stopped while starting")
        await asyncio.sleep(0.01)
    return WebServer(server, task, host, sock.getsockname()[1], limits, sock, guard)
