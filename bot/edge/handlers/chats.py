"""Chats and followers: /subscribe, /unsubscribe, /follow, /unfollow, the bot added to or removed
from a chat, and a group upgraded to a supergroup."""

from __future__ import annotations

import logging

from telegram import ChatMember, ChatMemberRestricted, Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.domain.errors import UserError
from bot.domain.parsing import parse_subscription
from bot.edge.context import BotContext
from bot.edge.handlers.admins import require_admin
from bot.edge.handlers.common import chat_of, command_text, message_of, person_of, reply, sent_at
from bot.edge.handlers.which_run import run_of
from bot.replies import render
from bot.services import chats, scope
from storage.subscriptions import GROUP, PRIVATE

log = logging.getLogger(__name__)

SUBSCRIBE_USAGE = "/subscribe 21:00, or /subscribe 21:00 Europe/London"


def _subscriber_id(update: Update) -> int | None:
    """Who to tell if the subscription has to end: not an anonymous administrator."""
    user = update.effective_user
    return None if message_of(update).sender_chat or user is None else user.id


async def subscribe(update: Update, context: BotContext) -> None:
    await require_admin(update, context, "subscribe it to the daily summary or change its time")
    message, chat = message_of(update), chat_of(update)
    local_time, zone = parse_subscription(command_text(message), SUBSCRIBE_USAGE)
    try:
        run_id: int | None = (await run_of(update, context)).id
    except scope.NoRun:
        run_id = None
    result = await chats.subscribe(
        context.db,
        run_id=run_id,
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
    await require_admin(update, context, "stop its daily summary")
    await reply(update, render.unsubscribed(await chats.unsubscribe(context.db, chat_of(update).id)))


def _require_private(update: Update, command: str, bot_username: str) -> None:
    if chat_of(update).type != ChatType.PRIVATE:
        raise UserError(f"Send {command} to me in a private chat (@{bot_username}): the messages come to you there.")


async def follow(update: Update, context: BotContext) -> None:
    _require_private(update, "/follow", context.bot.username)
    user_id = person_of(update).id
    run = await run_of(update, context)
    await reply(
        update, render.followed(run, await chats.follow(context.db, run.id, user_id, sent_at(message_of(update))))
    )


async def unfollow(update: Update, context: BotContext) -> None:
    _require_private(update, "/unfollow", context.bot.username)
    user_id = person_of(update).id
    run = await run_of(update, context)
    await reply(update, render.unfollowed(run, await chats.unfollow(context.db, run.id, user_id)))


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
        run = await chats.only_run(context.db, chat.id)  # several: the link's /start <slug>, or /runs, chooses
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
