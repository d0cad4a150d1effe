"""Chats and followers: /subscribe, /unsubscribe, /follow, /unfollow, the bot added to or removed
from a chat, and a group upgraded to a supergroup."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import Bot, ChatMember, ChatMemberRestricted, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.domain.errors import UserError
from bot.domain.parsing import parse_subscription
from bot.edge.context import BotContext
from bot.edge.handlers.common import chat_of, command_text, message_of, person_of, reply, sent_at
from bot.replies import render
from bot.services import chats, runs
from storage.subscriptions import GROUP, PRIVATE

log = logging.getLogger(__name__)

ADMINS = "chat_admins"
SUBSCRIBE_USAGE = "/subscribe 21:00, or /subscribe 21:00 Europe/London"


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


async def _require_admin(update: Update, context: BotContext, action: str) -> None:
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


def _subscriber_id(update: Update) -> int | None:
    """Who to tell if the subscription has to end: not an anonymous administrator."""
    user = update.effective_user
    return None if message_of(update).sender_chat or user is None else user.id


async def subscribe(update: Update, context: BotContext) -> None:
    await _require_admin(update, context, "subscribe it to the daily summary or change its time")
    message, chat = message_of(update), chat_of(update)
    local_time, zone = parse_subscription(command_text(message), SUBSCRIBE_USAGE)
    result = await chats.subscribe(
        context.db,
        chat_id=chat.id,
        kind=PRIVATE if chat.type == ChatType.PRIVATE else GROUP,
        title=chat.title,
        local_time=local_time or context.settings.summary_time,
        timezone=zone,
        user_id=_subscriber_id(update),
        default_timezone=context.settings.default_timezone,
        now=sent_at(message),
    )
    await reply(update, render.subscribed(result))


async def unsubscribe(update: Update, context: BotContext) -> None:
    await _require_admin(update, context, "stop its daily summary")
    await reply(update, render.unsubscribed(await chats.unsubscribe(context.db, chat_of(update).id)))


def _require_private(update: Update, command: str, bot_username: str) -> None:
    if chat_of(update).type != ChatType.PRIVATE:
        raise UserError(f"Send {command} to me in a private chat (@{bot_username}): the messages come to you there.")


async def follow(update: Update, context: BotContext) -> None:
    _require_private(update, "/follow", context.bot.username)
    new = await chats.follow(context.db, person_of(update).id, sent_at(message_of(update)))
    await reply(update, render.followed(new))


async def unfollow(update: Update, context: BotContext) -> None:
    _require_private(update, "/unfollow", context.bot.username)
    await reply(update, render.unfollowed(await chats.unfollow(context.db, person_of(update).id)))


def _is_in(member: ChatMember) -> bool:
    return member.status in (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER) or (
        isinstance(member, ChatMemberRestricted) and member.is_member
    )


async def membership(update: Update, context: BotContext) -> None:
    """The bot's own membership changed: added to a group (say hello), or removed, banned, blocked."""
    change = update.my_chat_member
    if change is None:
        return
    was_in, is_in = _is_in(change.old_chat_member), _is_in(change.new_chat_member)
    chat = change.chat
    if was_in and not is_in:
        ended = await chats.forget_chat(context.db, chat.id)
        log.info("Left chat %s (%s); subscription ended: %s", chat.id, change.new_chat_member.status, bool(ended))
    elif is_in and not was_in and chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        run = await runs.current(context.db)
        zone = run.timezone if run else context.settings.default_timezone
        try:
            await context.bot.send_message(chat.id, render.hello_group(run, context.settings.summary_time, zone))
        except TelegramError as exc:
            log.warning("Could not say hello in chat %s: %s", chat.id, exc)


async def migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup: Telegram says so in the old chat (migrate_to) and the new (migrate_from)."""
    message = message_of(update)
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat_id
    else:
        return
    if await chats.migrate_chat(context.db, old, new):
        log.info("Chat %s became %s: its subscription moved", old, new)
