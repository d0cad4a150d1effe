"""Long polling that confirms an update to Telegram only after the bot has handled it.

PTB's Updater asks for the next batch (which confirms the last one) while the handlers may still be
working on it, so a crash can lose updates. Here a batch is handled update by update, in order, and
only then does the next getUpdates move the offset past it. After a crash Telegram delivers the
unconfirmed updates again; `bot.handlers.dedup` skips those that were handled already.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable

from telegram import Update
from telegram.error import Conflict, NetworkError, RetryAfter
from telegram.ext import Application

log = logging.getLogger(__name__)

ALL = Update.ALL_TYPES
POLL_TIMEOUT = 30  # seconds Telegram holds a getUpdates open while there is nothing new
FIRST_DELAY, MAX_DELAY = 1.0, 30.0  # back-off after a failed getUpdates, doubling each time


async def run(app: Application, poll_timeout: int = POLL_TIMEOUT) -> None:
    """`python -m bot run`: the application's whole life, until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    _stop_on_signals(stop.set)
    try:
        async with app:  # initialize ... shutdown
            try:
                await app.post_init(app)  # opens the database, schedules the jobs
                await app.bot.delete_webhook()  # getUpdates is refused while a webhook is set
                await app.start()  # the job queue
                log.info("Polling for updates")
                await poll(app, stop, poll_timeout)
            finally:
                if app.running:
                    await app.stop()  # waits for running jobs
        log.info("Stopped")
    finally:
        await app.post_shutdown(app)  # closes the database


def _stop_on_signals(stop: Callable[[], None]) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop)
        except NotImplementedError:  # Windows
            signal.signal(sig, lambda *_: loop.call_soon_threadsafe(stop))


async def poll(app: Application, stop: asyncio.Event, poll_timeout: int = POLL_TIMEOUT) -> None:
    """Fetch and handle updates until `stop` is set; the update in hand is finished first."""
    offset: int | None = None  # None: from the oldest update Telegram has not had confirmed
    delay = 0.0
    while not stop.is_set():
        try:
            fetch = app.bot.get_updates(offset=offset, timeout=poll_timeout, allowed_updates=ALL)
            updates = await _unless_stopped(stop, fetch)
        except (NetworkError, Conflict, RetryAfter) as exc:  # TimedOut is a NetworkError; Conflict: another poller
            delay = min(max(delay * 2, FIRST_DELAY), MAX_DELAY)
            log.warning("getUpdates failed (%s); trying again in %.0f s", exc, delay)
            await _unless_stopped(stop, asyncio.sleep(delay))
            continue
        delay = 0.0
        for update in updates or ():
            if stop.is_set():
                break
            await app.process_update(update)
            offset = update.update_id + 1
    if offset is not None:
        await _confirm(app, offset)


async def _unless_stopped(stop: asyncio.Event, work):
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
    """Tell Telegram that the updates before `offset` are handled (what the Updater does on stop too)."""
    try:
        await app.bot.get_updates(offset=offset, timeout=0, limit=1, allowed_updates=ALL)
    except NetworkError as exc:
        log.warning("Could not confirm the last updates (%s): they will be delivered again, and skipped", exc)
