"""Group administrators: who may change what a group gets (its summary, its run), asked of Telegram at most
once every few minutes."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Bot, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.domain.errors import UserError
from bot.edge.context import BotContext
from bot.edge.handlers.common import chat_of, message_of

log = logging.getLogger(__name__)

ADMINS = "chat_admins"


class AdminCache:
    """Each group's administrators, asked of Telegram at most once every few minutes."""

    TTL = timedelta(minutes=5)

    def __init__(self) -> None:
        self._admins: dict[int, tuple[datetime, frozenset[int]]] = {}

    async def ids(self, bot: Bot, chat_id: int, now: datetime) -> frozenset[int]:
        cached = self._admins.get(chat_id)
        if cached and cached[0] > now:
            return cached[1]
        admins = frozenset(member.user.id for member in await bot.get_chat_administrators(chat_id))
        self._admins = {k: v for k, v in self._admins.items() if v[0] > now}  # forget the stale ones
        self._admins[chat_id] = (now + self.TTL, admins)
        return admins


async def require_admin(update: Update, context: BotContext, action: str) -> None:
    """In a group, only its administrators may; in a private chat, anyone may for themselves."""
    chat, message = chat_of(update), message_of(update)
    if chat.type == ChatType.PRIVATE:
        return
    if message.sender_chat and message.sender_chat.id == chat.id:
        return  # an administrator writing anonymously, as the group
    cache: AdminCache = context.bot_data.setdefault(ADMINS, AdminCache())
    try:
        admins = await cache.ids(context.bot, chat.id, context.now())
    except TelegramError as exc:
        log.warning("Could not get the administrators of chat %s: %s", chat.id, exc)
        raise UserError("I could not check this group's administrators just now. Please try again later.") from None
    if update.effective_user is None or update.effective_user.id not in admins:
        raise UserError(f"Only the administrators of this group can {action}.")
