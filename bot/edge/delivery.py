"""Sending to many chats: within Telegram's limits, once, and knowing what each Telegram error means.

The application's `AIORateLimiter` paces every request (30 a second overall, 20 a minute per group)
and retries a `RetryAfter` itself; what still comes back is handled here, chat by chat:

- `RetryAfter`: wait as told, then try again (a few times).
- `ChatMigrated`: the group became a supergroup; its subscription moves and the message goes there.
- `Forbidden` (blocked, kicked) or "chat not found": the chat is gone; its subscription or follow ends.
- "not enough rights to send": the subscription ends and the admin who made it is told in private.
- Network errors, timeouts and 5xx: retried with backoff, then left for a later pass.

A scheduled message (a daily summary, a nudge) has a `LogKey`: its delivery rows are claimed before
the send, a page of chats at a time, so a restart, a crash or a second process never sends it twice. One bad chat never
stops the rest.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import islice

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBDeprecationWarning

from bot.edge.context import CLOCK, DB
from bot.edge.photos import Picture
from bot.replies import render
from bot.services import chats
from bot.services.chats import LogKey
from storage.db import Database

log = logging.getLogger(__name__)

BACKOFF = (1.0, 3.0, 9.0)  # seconds to wait before each new try after a network error or a 5xx
RETRY_AFTER_TRIES = 3  # RetryAfter answers waited out per message (the rate limiter retried already)
CONCURRENCY = 16  # sends in flight at once; the rate limiter sets the pace
PAGE = 100  # chats claimed, sent and recorded together
GONE = ("chat not found", "user not found", "bot was kicked", "bot was blocked", "user is deactivated",
        "not a member", "chat was deleted", "group chat was deactivated", "peer_id_invalid")  # fmt: skip
NO_RIGHTS = ("not enough rights", "have no rights", "chat_write_forbidden", "need administrator rights")
sleep = asyncio.sleep  # the waits between tries (tests replace it)


class Outcome(enum.Enum):
    SENT = "sent"
    SKIPPED = "skipped"  # sent already, or being sent by another pass or process
    GONE = "gone"  # blocked, kicked, deleted: its subscription and follow ended
    NO_RIGHTS = "no rights"  # may not write there: its subscription ended
    FAILED = "failed"  # gave up for now (logged)
    MIGRATED = "migrated"  # only inside: followed to the new chat id


@dataclass(frozen=True)
class Outgoing:
    chat_id: int
    text: str
    picture: Picture | None = None  # sent with the text as its caption when it fits, else before it
    markup: InlineKeyboardMarkup | None = None  # under the text

    def to(self, chat_id: int) -> Outgoing:
        return replace(self, chat_id=chat_id)


@dataclass(frozen=True)
class Sent:
    outcome: Outcome
    message_id: int | None = None
    new_chat_id: int | None = None
    error: str = ""
    retry: bool = False  # worth another try later


def _has(error: TelegramError, phrases: tuple[str, ...]) -> bool:
    text = error.message.lower()
    return any(phrase in text for phrase in phrases)


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that the int will become a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


async def send(bot: Bot, message: Outgoing) -> Sent:
    """Send one message (its picture too), retrying what is worth retrying; never raises a TelegramError.

    A picture is uploaded once (bot.edge.photos), then sent by file id; with a text too long for a caption
    it goes first, then the text."""
    chat_id, text, picture = message.chat_id, message.text, message.picture
    if picture is None:
        return await _attempt(lambda: bot.send_message(chat_id, text, reply_markup=message.markup))
    if render.units(text) <= MessageLimit.CAPTION_LENGTH:  # as Telegram counts: UTF-16 code units
        return await _attempt(
            lambda: picture.send(
                lambda photo: bot.send_photo(chat_id, photo, caption=text, reply_markup=message.markup)
            )
        )
    sent = await _attempt(lambda: picture.send(lambda photo: bot.send_photo(chat_id, photo)))
    if sent.outcome is not Outcome.SENT:
        return sent
    return await _attempt(lambda: bot.send_message(chat_id, text, reply_markup=message.markup))


async def _attempt(call: Callable[[], Awaitable[Message]]) -> Sent:
    waits = failures = 0
    while True:
        try:
            sent = await call()
            return Sent(Outcome.SENT, sent.message_id)
        except RetryAfter as exc:
            if waits == RETRY_AFTER_TRIES:
                return Sent(Outcome.FAILED, error=exc.message, retry=True)
            waits += 1
            await sleep(_seconds(exc))
        except ChatMigrated as exc:
            return Sent(Outcome.MIGRATED, new_chat_id=exc.new_chat_id)
        except (Forbidden, BadRequest) as exc:  # BadRequest before NetworkError, its base class
            if _has(exc, NO_RIGHTS):
                return Sent(Outcome.NO_RIGHTS, error=exc.message)
            if isinstance(exc, Forbidden) or _has(exc, GONE):
                return Sent(Outcome.GONE, error=exc.message)
            return Sent(Outcome.FAILED, error=exc.message)  # the message itself is wrong: retrying won't help
        except NetworkError as exc:  # also TimedOut and 5xx answers
            if failures == len(BACKOFF):
                return Sent(Outcome.FAILED, error=exc.message, retry=True)
            await sleep(BACKOFF[failures])
            failures += 1
        except TelegramError as exc:
            return Sent(Outcome.FAILED, error=exc.message)


async def deliver(app: Application, messages: Iterable[Outgoing], key: LogKey | None = None) -> Counter[Outcome]:
    """Send each message to its chat, a page at a time; count the outcomes.

    With a `key`, a page's chats are claimed in the delivery log in one statement before sending and
    their outcomes recorded in one after: a kill mid-page loses at most that page's messages for the
    day, it never sends one twice; a pass stopped mid-page leaves the unsent ones to the next pass."""
    db: Database = app.bot_data[DB]
    clock: Callable[[], datetime] = app.bot_data[CLOCK]
    tally: Counter[Outcome] = Counter()
    for messages_of_page in _pages(messages, PAGE):
        page = _Page(messages_of_page)
        if key:
            page.messages = list({m.chat_id: m for m in page.messages}.values())  # one per chat and key
            page.claims = await chats.claim_deliveries(db, [m.chat_id for m in page.messages], key, clock())
            if skipped := len(page.messages) - len(page.claims):  # sent already, or being sent by another pass
                tally[Outcome.SKIPPED] += skipped
        try:
            await _send_all(app.bot, db, page)
        finally:
            if page.claims is not None:
                await _record(db, page, clock())
        for message, result in page.results:
            new_chat_id = result.new_chat_id
            if result.outcome is Outcome.MIGRATED and new_chat_id is not None:  # a supergroup now: follow it
                log.info("Chat %s became %s: its subscription moves there", message.chat_id, new_chat_id)
                await chats.migrate_chat(db, message.chat_id, new_chat_id)
                tally += await deliver(app, [message.to(new_chat_id)], key)
            else:
                tally[result.outcome] += 1
    return tally


def _pages(messages: Iterable[Outgoing], size: int) -> Iterator[list[Outgoing]]:
    pending = iter(messages)
    while page := list(islice(pending, size)):
        yield page


@dataclass
class _Page:
    messages: list[Outgoing]
    claims: dict[int, int] | None = None  # chat id -> delivery id, for a keyed delivery
    started: set[int] = field(default_factory=set)
    results: list[tuple[Outgoing, Sent]] = field(default_factory=list)

    def to_send(self) -> list[Outgoing]:
        return [m for m in self.messages if self.claims is None or m.chat_id in self.claims]


async def _send_all(bot: Bot, db: Database, page: _Page) -> None:
    """Send a page with a few workers sharing one iterator (the rate limiter sets the pace)."""
    pending = iter(page.to_send())

    async def worker() -> None:
        for message in pending:
            page.started.add(message.chat_id)
            try:
                page.results.append((message, await send_and_settle(bot, db, message)))
            except Exception:
                log.exception("Could not deliver a message to chat %s", message.chat_id)
                page.results.append((message, Sent(Outcome.FAILED, error="internal error")))

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))


async def _record(db: Database, page: _Page, now: datetime) -> None:
    """Write a page's outcomes in the delivery log. A message never started (the pass was stopped) may
    be claimed again; one stopped while being sent stays claimed: it may have gone out."""
    claims = page.claims or {}
    sent = [(claims[m.chat_id], r.message_id) for m, r in page.results if r.outcome is Outcome.SENT]
    failed = [
        (claims[m.chat_id], r.error or r.outcome.value, r.retry)
        for m, r in page.results
        if r.outcome is not Outcome.SENT
    ]
    failed += [
        (claims[m.chat_id], "not sent: the pass was stopped", True)
        for m in page.to_send()
        if m.chat_id not in page.started
    ]
    try:
        await chats.record_deliveries(db, sent, failed, now)
    except Exception:  # the claims stay: nothing is sent twice, and the other pages go on
        log.exception("Could not record the outcome of %d deliveries", len(sent) + len(failed))


async def send_and_settle(bot: Bot, db: Database, message: Outgoing) -> Sent:
    """Send, and settle what the answer says of the chat: gone or without rights, it is forgotten."""
    sent = await send(bot, message)
    if sent.outcome in (Outcome.GONE, Outcome.NO_RIGHTS):
        log.info("Chat %s: %s; its subscription and follow end", message.chat_id, sent.error)
        ended = await chats.forget_chat(db, message.chat_id)
        if sent.outcome is Outcome.NO_RIGHTS and ended and ended.subscribed_by:
            await send(bot, Outgoing(ended.subscribed_by, render.lost_rights(ended.title)))
    elif sent.outcome is Outcome.FAILED:
        log.warning("Could not send to chat %s: %s", message.chat_id, sent.error)
    return sent
