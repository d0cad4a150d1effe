"""Small helpers every handler uses: the command's text, when it was sent, replying."""

from __future__ import annotations

import re
from datetime import datetime

from telegram import Chat, InlineKeyboardMarkup, Message, Update, User

from bot.domain import names
from bot.domain.errors import UserError
from bot.replies import render

COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]{1,32})(?:@(?P<bot>[A-Za-z0-9_]{1,64}))?(?:\s+|$)")


def sent_at(message: Message) -> datetime:
    """When the user wrote this version of the message."""
    return message.edit_date or message.date


def command_text(message: Message) -> str:
    """What follows the command in the text or caption, spacing inside it kept."""
    text = message.text or message.caption or ""
    match = COMMAND.match(text)
    return text[match.end() :].strip() if match else text.strip()


def is_command_for(message: Message, name: str, bot_username: str) -> bool:
    """Whether the text or caption is /name or /name@ThisBot (what CommandHandler checks for text)."""
    match = COMMAND.match(message.text or message.caption or "")
    return bool(
        match
        and match["name"].lower() == name
        and (match["bot"] is None or match["bot"].lower() == bot_username.lower())
    )


MAX_NAME = 64


def first_name_of(user: User) -> str:
    """The name a supporter is shown by (the board, replies), cleaned as it comes in (bot.domain.names)."""
    return _shown(user.first_name or "") or "Supporter"


def display_name(user: User) -> str:
    """The name a runner is shown by, cleaned as it comes in."""
    return _shown(" ".join(filter(None, (user.first_name, user.last_name)))) or "Runner"


def _shown(name: str) -> str:
    return names.display_name(names.display_name(name)[:MAX_NAME])


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Reply with `text`, split at Telegram's length limit; `markup` goes under the last part."""
    parts = render.split(text)
    for n, part in enumerate(parts, 1):
        await message_of(update).reply_text(part, reply_markup=markup if n == len(parts) else None)


def message_of(update: Update) -> Message:
    """The message of a message update (the handlers' filters let no other through)."""
    message = update.effective_message
    if message is None:
        raise TypeError(f"update {update.update_id} has no message")
    return message


def chat_of(update: Update) -> Chat:
    chat = update.effective_chat
    if chat is None:
        raise TypeError(f"update {update.update_id} has no chat")
    return chat


ANONYMOUS_ADMIN, CHANNEL_BOT = 1087968824, 136817688  # Telegram's placeholder senders


def person_of(update: Update) -> User:
    """Who wrote, when what they do must be theirs (run, pledge, log, follow): not a chat writing
    as itself (an anonymous group admin, a channel), whose placeholder sender is shared by all."""
    message, user = update.effective_message, update.effective_user
    if (message is not None and message.sender_chat is not None) or user is None:
        raise UserError("Please write as yourself, not on behalf of a group or a channel, to do that.")
    if user.is_bot or user.id in (ANONYMOUS_ADMIN, CHANNEL_BOT):
        raise UserError("Please write as yourself to do that.")
    return user
