"""Small helpers every handler uses: the command's text, when it was sent, replying."""

from __future__ import annotations

import re
from datetime import datetime

from telegram import Message, Update

from bot import render

_COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]{1,32})(?:@(?P<bot>[A-Za-z0-9_]{1,64}))?(?:\s+|$)")


def sent_at(message: Message) -> datetime:
    """When the user wrote this version of the message."""
    return message.edit_date or message.date


def command_text(message: Message) -> str:
    """What follows the command in the text or caption, spacing inside it kept."""
    text = message.text or message.caption or ""
    match = _COMMAND.match(text)
    return text[match.end() :].strip() if match else text.strip()


def is_command_for(message: Message, name: str, bot_username: str) -> bool:
    """Whether the text or caption is /name or /name@ThisBot (what CommandHandler checks for text)."""
    match = _COMMAND.match(message.text or message.caption or "")
    return bool(
        match
        and match["name"].lower() == name
        and (match["bot"] is None or match["bot"].lower() == bot_username.lower())
    )


def display_name(user) -> str:
    return " ".join(filter(None, (user.first_name, user.last_name)))[:64] or "Runner"


async def reply(update: Update, text: str) -> None:
    for part in render.split(text):
        await update.effective_message.reply_text(part)
