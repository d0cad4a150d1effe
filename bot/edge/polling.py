"""Long polling: updates of many chats handled at once, none lost, none handled twice.

Each batch from getUpdates is stored in the inbox (bot.edge.exactly_once) before the next getUpdates
confirms it to Telegram, then handed to the update processor (bot.edge.concurrency), which runs different
chats at once and each chat in order. Confirming a batch once it is stored, not once it is handled,
is what lets a chat that waits on Telegram's limits (20 messages a minute in a group) hold up no
other: getUpdates only ever returns the oldest unconfirmed updates, so waiting for a slow one to be
handled would stop the bot from seeing any newer ones. A crash loses nothing: at the next start the
stored updates not yet handled are handled first. At most MAX_IN_HAND updates are in hand at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter
from telegram.ext import Application

from bot.edge import exactly_once, live_page, outbox
from bot.edge.app import close_application, setup_application
from bot.edge.concurrency import ChatOrder
from bot.edge.context import CLOCK, DB
from bot.ops import startup

log = logging.getLogger(__name__)

T = TypeVar("T")
ALL = Update.ALL_TYPES
POLL_TIMEOUT = 30  # seconds Telegram holds a getUpdates open while there is nothing new
FIRST_DELAY, MAX_DELAY = 1.0, 30.0  # back-off after a failed getUpdates, doubling each time
PER_CHAT = 20  # of one chat in hand at once: a group's replies go out at 20 a minute anyway
MAX_IN_HAND = 1000  # updates fetched and not yet handled; polling waits above it (flat memory)
sleep = asyncio.sleep  # the back-off's waits (tests replace it)
SHUTDOWN_GRACE = 20.0  # seconds a stop waits for the updates in hand; the rest are handled at the next start


async def run(app: Application, poll_timeout: int = POLL_TIMEOUT) -> None:
    """`python -m bot run`: the application's whole life, until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    _stop_on_signals(stop.set)
    try:
        if not await startup.connect(app, stop):  # getMe, retried while Telegram is unreachable
            return
        async with app:  # initialize ... shutdown
            try:
                await setup_application(app)  # post_init: opens the database, schedules the jobs
                await app.bot.delete_webhook()  # getUpdates is refused while a webhook is set
                await app.start()  # the job queue
                await live_page.start(app)  # when WEB_PORT is set
                sender = asyncio.create_task(outbox.run(app, stop))
                log.info("Polling for updates")
                try:
                    await poll(app, stop, poll_timeout)
                finally:
                    sender.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await sender
                    await live_page.stop(app)
            finally:
                if app.running:
                    await app.stop()  # waits for running jobs
        log.info("Stopped")
    finally:
        await close_application(app)  # post_shutdown: writes the last handled marks, closes the database


def _stop_on_signals(stop: Callable[[], None]) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop)
        except NotImplementedError:  # Windows
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop))


class InHand:
    """The updates handed to the processor and not finished: at most MAX_IN_HAND, at most PER_CHAT of
    one chat. A chat's updates beyond that wait in the inbox, where they are stored already (their ids
    in memory), and are handed over as the chat's own go through: a flooded group, held by its limit of
    20 messages a minute, never fills the room the other chats need."""

    def __init__(self, app: Application) -> None:
        self.app = app
        assert isinstance(app.update_processor, ChatOrder)  # build_application's
        self.processor = app.update_processor
        self.tasks: set[asyncio.Task[None]] = set()
        self._room = asyncio.Semaphore(MAX_IN_HAND)
        self._of_chat: Counter[int] = Counter()
        self._waiting: dict[int, deque[int]] = defaultdict(deque)  # chat -> update ids left in the inbox

    async def hand(self, update: Update) -> None:
        chat = update.effective_chat.id if update.effective_chat else None
        if chat is not None and (self._waiting[chat] or self._of_chat[chat] >= PER_CHAT):
            self._waiting[chat].append(update.update_id)  # after the chat's earlier ones, in order
            return
        await self._room.acquire()
        self._submit(update, chat)

    def _submit(self, update: Update, chat: int | None) -> None:
        if chat is not None:
            self._of_chat[chat] += 1
        task = self.processor.submit(update, self.app.process_update(update))
        self.tasks.add(task)
        task.add_done_callback(lambda done: self._done(done, chat))

    def _done(self, task: asyncio.Task[None], chat: int | None) -> None:
        self.tasks.discard(task)
        self._room.release()
        if chat is None:
            return
        self._of_chat[chat] -= 1
        if not task.cancelled():
            self._refill(chat)

    def _refill(self, chat: int) -> None:
        """Once none of the chat's updates is in hand, its next ones come from the inbox."""
        if self._waiting[chat] and self._of_chat[chat] == 0:
            refill = asyncio.ensure_future(self._next_of(chat))
            self.tasks.add(refill)
            refill.add_done_callback(self.tasks.discard)

    async def _next_of(self, chat: int) -> None:
        """The chat's next updates, read back from the inbox and handed over in Telegram's order."""
        waiting = self._waiting[chat]
        ids = [waiting.popleft() for _ in range(min(PER_CHAT, len(waiting)))]
        reserved = len(ids)
        self._of_chat[chat] += reserved  # held: no newer update of the chat goes ahead of these
        try:
            for update in await exactly_once.stored(self.app.bot_data[DB], ids, self.app.bot):
                await self._room.acquire()
                self._submit(update, chat)
                self._of_chat[chat] -= 1  # its hold passes to its task
                reserved -= 1
        finally:
            self._of_chat[chat] -= reserved  # handled meanwhile, or the stop came first
        self._refill(chat)  # when none of these was left to hand over

    async def finish(self, grace: float) -> None:
        """Wait up to `grace` seconds for the updates in hand; cancel the rest (they stay in the inbox)."""
        deadline = asyncio.get_running_loop().time() + grace
        while self.tasks and (left := deadline - asyncio.get_running_loop().time()) > 0:
            await asyncio.wait(set(self.tasks), timeout=left)  # a chat's waiting updates join as others end
        late = set(self.tasks)
        for task in late:
            task.cancel()
        if late:
            log.warning("%d updates were still in hand at the stop: they are handled at the next start", len(late))
            await asyncio.wait(late)


async def poll(app: Application, stop: asyncio.Event, poll_timeout: int = POLL_TIMEOUT) -> None:
    """Fetch, store and hand over updates until `stop` is set; then finish the updates in hand."""
    db, clock = app.bot_data[DB], app.bot_data[CLOCK]
    in_hand = InHand(app)
    for update in await exactly_once.unhandled(db, app.bot):
        await in_hand.hand(update)
    offset: int | None = None  # None: from the oldest update Telegram has not had confirmed
    delay = 0.0
    try:
        while not stop.is_set():
            try:
                fetch = app.bot.get_updates(offset=offset, timeout=poll_timeout, allowed_updates=ALL)
                updates = await _unless_stopped(stop, fetch)
            except InvalidToken:  # revoked while running: PTB's message quotes the token, never shown
                raise startup.StartupError(
                    "Telegram no longer accepts TELEGRAM_BOT_TOKEN (revoked in @BotFather?)", prefix="Stopped"
                ) from None
            except (NetworkError, Conflict, RetryAfter) as exc:  # TimedOut is a NetworkError; Conflict: another poller
                delay = min(max(delay * 2, FIRST_DELAY), MAX_DELAY)
                log.warning("getUpdates failed (%s); trying again in %.0f s", exc, delay)
                await _unless_stopped(stop, sleep(delay))
                continue
            delay = 0.0
            app.bot_data[live_page.LAST_POLL] = datetime.now(UTC)  # for /healthz
            if not updates:
                continue
            new = await exactly_once.receive(db, updates, clock())
            offset = updates[-1].update_id + 1  # stored: the next getUpdates may confirm them
            for update in updates:
                if update.update_id in new:
                    await in_hand.hand(update)
    finally:
        await in_hand.finish(SHUTDOWN_GRACE)
    if offset is not None:
        await _confirm(app, offset)


async def _unless_stopped(stop: asyncio.Event, work: Coroutine[Any, Any, T]) -> T | None:
    """`work`'s result, or None when `stop` is set first (then `work` is cancelled).

    A cancelled getUpdates confirms nothing: what it would have returned comes again next time."""
    task = asyncio.ensure_future(work)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait((task, stopping), return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return None if task.cancelled() else task.result()


async def _confirm(app: Application, offset: int) -> None:
    """Tell Telegram that the updates before `offset` arrived (what the Updater does on stop too)."""
    try:
        await app.bot.get_updates(offset=offset, timeout=0, limit=1, allowed_updates=ALL)
    except NetworkError as exc:
        log.warning("Could not confirm the last updates (%s): they will be delivered again, and skipped", exc)
