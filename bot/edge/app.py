"""build_application(settings) -> the bot's telegram.ext.Application, wired in one place."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from html import escape

from telegram import BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, BaseRateLimiter, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.domain.errors import UserError
from bot.edge import commands, exactly_once, handlers, jobs, outbox
from bot.edge.concurrency import ChatOrder
from bot.edge.context import CLOCK, DB, HANDLED, SETTINGS, BotContext, system_clock
from bot.edge.handlers import which_run
from bot.ops.config import Settings
from bot.services.scope import WhichRun
from storage.db import Database

log = logging.getLogger(__name__)

DEFAULTS = Defaults(
    parse_mode=ParseMode.HTML,
    link_preview_options=LinkPreviewOptions(is_disabled=True),
    # every reply (a text, a picture, a card, an error) arrives also when its command was deleted before it:
    # without this Telegram refuses it ("message to be replied not found") and the answer is lost
    allow_sending_without_reply=True,
)


def build_application(
    settings: Settings,
    *,
    request: BaseRequest | None = None,
    rate_limiter: BaseRateLimiter | None = None,
    clock: Callable[[], datetime] = system_clock,
) -> Application:
    """The real application. Tests and the demo pass a fake `request` (the Bot API edge) and a clock."""
    builder = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(f"{settings.bot_api_base_url}/bot")
        .base_file_url(f"{settings.bot_api_base_url}/file/bot")
        .defaults(DEFAULTS)
        .context_types(ContextTypes(context=BotContext))
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=3))
        .concurrent_updates(ChatOrder())
        .post_init(setup_application)
        .post_shutdown(close_application)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = builder.build()
    app.bot_data.update({SETTINGS: settings, CLOCK: clock})
    handlers.register(app)
    app.add_error_handler(on_error)
    return app


async def setup_application(app: Application) -> None:
    """post_init: open the database, load what must survive restarts, schedule the jobs, publish the menu."""
    settings: Settings = app.bot_data[SETTINGS]
    db = await Database.open(settings.database_path)
    app.bot_data[DB] = db
    app.bot_data[HANDLED] = await exactly_once.load(db, app.bot_data[CLOCK]())
    await outbox.recover(db)
    jobs.schedule(app)
    await publish_commands(app, settings)


async def close_application(app: Application) -> None:
    db: Database | None = app.bot_data.pop(DB, None)
    if db is not None:
        if HANDLED in app.bot_data:  # not when start-up failed before loading them
            await exactly_once.write_unwritten(db, app.bot_data[HANDLED])
        await db.close()


async def publish_commands(app: Application, settings: Settings) -> None:
    everyone = [BotCommand(name, text) for name, text in commands.ANYONE + commands.RUNNER]
    organisers = everyone + [BotCommand(name, text[:256]) for name, text in commands.ORGANISER]
    try:
        await app.bot.set_my_commands(everyone)
        for admin_id in settings.admin_ids:
            await app.bot.set_my_commands(organisers, scope=BotCommandScopeChat(admin_id))
    except TelegramError as exc:
        log.warning("Could not publish the command menu: %s", exc)


async def on_error(update: object, context: BotContext) -> None:
    """A UserError is the answer to bad input; anything else is logged and apologised for."""
    error = context.error
    if isinstance(update, Update) and update.callback_query is not None:
        with contextlib.suppress(TelegramError):  # the button stops spinning (it may be answered already)
            await update.callback_query.answer()
    if isinstance(error, WhichRun) and isinstance(update, Update) and update.effective_message is not None:
        try:
            await which_run.ask(update, error)
        except TelegramError as exc:
            log.warning("Could not ask which run: %s", exc)
        return
    if isinstance(error, UserError):
        text = escape(error.text)
    else:
        log.error("Error while handling %s", update, exc_info=error)
        text = "Sorry, something went wrong on my side. Please try again in a moment."
    if not isinstance(update, Update) or update.effective_message is None:
        return
    try:
        await update.effective_message.reply_text(text)
    except TelegramError as exc:
        log.warning("Could not send the error reply: %s", exc)
