"""Pictures drawn once per change of the figures and uploaded once: later sends use Telegram's file id.

The chart of a run's figures is drawn off the event loop (bot.replies.pictures.draw) the first time it is
asked for; the first send uploads the PNG, and `uploaded` keeps the file id Telegram returns, so a
hundred /chart in a row, or a summary to ten thousand chats, upload it once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from telegram import Message

from bot.replies.pictures import draw, progress_chart
from bot.services.results import ChartData

CHARTS = "charts drawn"  # bot_data key: the latest chart, by its figures


@dataclass
class Picture:
    png: bytes
    file_id: str | None = None
    upload: asyncio.Lock = field(default_factory=asyncio.Lock)  # one upload, the other sends wait for its id

    async def send(self, send: Callable[[str | bytes], Awaitable[Message]]) -> Message:
        """`send(photo)` with the file id once there is one; the first send uploads, the others wait for it."""
        if self.file_id is not None:
            return await send(self.file_id)
        async with self.upload:
            message = await send(self.file_id or self.png)
            if self.file_id is None and message.photo:
                self.file_id = message.photo[-1].file_id
            return message


def _key(figures: ChartData) -> tuple[Any, ...]:
    return (figures.title, figures.start, figures.end, figures.distance_m, tuple(figures.day_m), figures.today)


async def chart(bot_data: MutableMapping[Any, Any], figures: ChartData) -> Picture:
    """The chart of these figures: drawn now if they changed since the last one, else the same picture."""
    key = _key(figures)
    kept: tuple[tuple[Any, ...], Picture] | None = bot_data.get(CHARTS)
    if kept is not None and kept[0] == key:
        return kept[1]
    picture = Picture(await draw(progress_chart, figures))
    bot_data[CHARTS] = (key, picture)
    return picture
