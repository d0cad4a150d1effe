"""Many chats at once, each chat (and each user) in Telegram's order.

`ChatOrder` is python-telegram-bot's update processor (`ApplicationBuilder.concurrent_updates`):
its semaphore bounds the updates being handled at once. Polling hands it each update with `submit`,
in the order Telegram sent them; an update waits only for the earlier updates that share its chat or
its user (an edit never overtakes its message, two /log of one person never interleave), while a
flood in one group, waiting on that group's rate limit, holds up no other chat.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

MAX_CONCURRENT = 256  # handlers running at once (most of them waiting on Telegram)


def order_keys(update: object) -> set[int]:
    """The chat and the user whose earlier updates this one must wait for."""
    if not isinstance(update, Update):
        return set()
    chat, user = update.effective_chat, update.effective_user
    return {key.id for key in (chat, user) if key is not None}


class ChatOrder(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self._last: dict[int, asyncio.Future[None]] = {}  # per chat or user: its latest update's end

    def submit(self, update: object, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[None]:
        """Handle `update` after the earlier ones of its chat and user; call in Telegram's order."""
        keys = order_keys(update)
        earlier = {self._last[key] for key in keys if key in self._last}
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        for key in keys:
            self._last[key] = done
        return asyncio.create_task(self._in_turn(earlier, done, keys, update, coroutine))

    async def _in_turn(
        self,
        earlier: set[asyncio.Future[None]],
        done: asyncio.Future[None],
        keys: set[int],
        update: object,
        coroutine: Coroutine[Any, Any, Any],
    ) -> None:
        try:
            for future in earlier:
                await asyncio.shield(future)
            await self.process_update(update, coroutine)
        finally:
            with contextlib.suppress(RuntimeError):
                coroutine.close()  # never started (cancelled while waiting its turn): no "never awaited" warning
            done.set_result(None)
            for key in keys:
                if self._last.get(key) is done:
                    del self._last[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
