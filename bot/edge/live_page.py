"""The live page served from the bot's own process and event loop (WEB_PORT), and the buttons to it.

`BotPageSource` is bot.web.server's PageSource over the services: the figures from
bot.services.live, the photos downloaded from Telegram by the bot itself (the file URLs carry the
token: they never reach a browser), kept in memory for the next viewers.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MenuButtonWebApp, WebAppInfo
from telegram.error import TelegramError
from telegram.ext import Application

from bot.edge.context import CLOCK, DB, SETTINGS
from bot.ops.config import Settings
from bot.ops.health import health_status
from bot.services import live
from bot.web.listen_error import CannotListen, listen_problem
from bot.web.server import WebServer, create_web_app, open_files_limit, serve
from storage import outbox
from storage.db import Database
from storage.runs import Run

log = logging.getLogger(__name__)

WEB = "live page server"  # its key in bot_data
LAST_POLL = "last successful getUpdates"  # set by bot.edge.polling
PHOTOS_KEPT = 64
BUTTON = "🗺 Live page"


class BotPageSource:
    def __init__(self, app: Application) -> None:
        self.app = app
        self._photos: OrderedDict[str, bytes] = OrderedDict()

    @property
    def db(self) -> Database:
        db: Database = self.app.bot_data[DB]
        return db

    async def page(self, slug: str, viewer_user_id: int | None) -> dict[str, Any] | None:
        return await live.page(self.db, slug, self.app.bot_data[CLOCK](), viewer_user_id)

    async def index(self) -> dict[str, Any]:
        return await live.index(self.db, self.app.bot_data[CLOCK]())

    async def photo(self, photo_id: str) -> bytes | None:
        """The photo's bytes while its update stands: the database is asked every time (an update undone takes
        its photo off the page at once); the bytes are kept by Telegram file id, so each is downloaded once."""
        file_id = await live.photo_file_id(self.db, photo_id)
        if file_id is None:
            return None
        if file_id in self._photos:
            self._photos.move_to_end(file_id)
            return self._photos[file_id]
        try:
            data = bytes(await (await self.app.bot.get_file(file_id)).download_as_bytearray())
        except TelegramError as exc:
            log.warning("Could not fetch photo %s from Telegram: %s", photo_id, exc)
            return None
        self._photos[file_id] = data
        if len(self._photos) > PHOTOS_KEPT:
            self._photos.popitem(last=False)
        return data


async def health(app: Application) -> tuple[int, dict[str, Any]]:
    db: Database = app.bot_data[DB]
    backlog = await db.read(outbox.backlog)
    return health_status(app.bot_data.get(LAST_POLL), datetime.now(UTC), backlog)


def web_app(app: Application) -> Starlette:
    """The page's HTTP app over this application's data, its clock and its token (for the init data)."""
    settings: Settings = app.bot_data[SETTINGS]
    return create_web_app(
        BotPageSource(app),
        bot_token=settings.token,
        clock=app.bot_data[CLOCK],
        health=lambda: health(app),
        cache_seconds=0,  # the figures are kept in memory by the database layer until a commit changes them
    )


async def start(app: Application, port: int | None = None) -> WebServer | None:
    """Serve the page when WEB_PORT (or `port`) is set; the server, kept in bot_data for `stop`."""
    settings: Settings = app.bot_data[SETTINGS]
    port = port if port is not None else settings.web_port
    if port is None:
        return None
    try:
        server = await serve(web_app(app), settings.web_host, port)
    except OSError as exc:  # the port taken, an address not this machine's: one line for the operator
        raise CannotListen(listen_problem(settings.web_host, port, exc)) from exc
    app.bot_data[WEB] = server
    log.info(
        "The live page is served at http://%s:%d/ (up to %d connections at once, under the open-file limit %d)",
        settings.web_host,
        server.port,
        server.limits.max_connections,
        open_files_limit(),
    )
    if settings.public_url:
        await _menu_button(app, settings.public_url)
    return server


async def stop(app: Application) -> None:
    server: WebServer | None = app.bot_data.pop(WEB, None)
    if server is not None:
        await server.stop()


async def _menu_button(app: Application, url: str) -> None:
    try:
        await app.bot.set_chat_menu_button(menu_button=MenuButtonWebApp(BUTTON, WebAppInfo(url)))
    except TelegramError as exc:
        log.warning("Could not set the menu button to the live page: %s", exc)


def page_url(settings: Settings, run: Run) -> str | None:
    """The address of the run's page (PUBLIC_URL/r/<slug>)."""
    return f"{settings.public_url.rstrip('/')}/r/{run.slug}" if settings.public_url else None


def button(settings: Settings, private: bool, run: Run) -> InlineKeyboardMarkup | None:
    """A button to the run's page: a Mini App in a private chat, a link in a group (Telegram opens Mini App
    buttons only in private chats)."""
    url = page_url(settings, run)
    if url is None:
        return None
    if private:
        return InlineKeyboardMarkup([[InlineKeyboardButton(BUTTON, web_app=WebAppInfo(url))]])
    return InlineKeyboardMarkup([[InlineKeyboardButton(BUTTON, url=url)]])
