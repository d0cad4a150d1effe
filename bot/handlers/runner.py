"""What runners post: /update (text or photo caption), corrections by editing, locations, /undo."""

from telegram import Update

from bot import render
from bot.context import BotContext
from bot.errors import UserError
from bot.handlers.common import command_text, is_command_for, reply, sent_at
from bot.parsing import parse_distance_and_note
from bot.services import pledges, tracking

USAGE = "/update 24.5 Flyovers done (or a photo with that caption)"


def _photo(message) -> str | None:
    return message.photo[-1].file_id if message.photo else None


def _message(update: Update, text: str) -> tracking.Message:
    message = update.effective_message
    metres, note = parse_distance_and_note(text, USAGE)
    return tracking.Message(
        user_id=update.effective_user.id,
        metres=metres,
        note=note,
        chat_id=message.chat_id,
        message_id=message.message_id,
        photo_file_id=message.photo[-1].file_id if message.photo else None,
    )


async def post(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if not is_command_for(message, "update", context.bot.username):
        return
    result = await tracking.post_update(context.db, _message(update, command_text(message)), message.date)
    await reply(update, render.posted(result))


async def edit(update: Update, context: BotContext) -> None:
    """An edited /update message corrects the update it made."""
    message = update.edited_message
    if not is_command_for(message, "update", context.bot.username):
        return
    posted = _message(update, command_text(message))
    result = await tracking.record_edit(context.db, posted, sent_at(message), message.date)
    await reply(update, render.posted(result))


async def location(update: Update, context: BotContext) -> None:
    message = update.effective_message
    where = tracking.PositionMessage(
        user_id=update.effective_user.id,
        latitude=message.location.latitude,
        longitude=message.location.longitude,
        chat_id=message.chat_id,
        message_id=message.message_id,
    )
    try:
        run = await tracking.save_position(context.db, where, sent_at(message))
    except UserError:
        if update.edited_message:  # each move of a live location: answer the first share only
            return
        raise
    if update.message:
        await reply(update, render.position_saved(run, live="live_period" in message.location.to_dict()))


async def undo(update: Update, context: BotContext) -> None:
    """A runner removes their last update; a supporter who is not a runner, their last /log."""
    result = await pledges.undo_last(context.db, update.effective_user.id, sent_at(update.effective_message))
    text = render.log_undone(result) if isinstance(result, pledges.LogUndone) else render.undone(result)
    await reply(update, text)
