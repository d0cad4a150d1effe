"""What runners post: /update (text or photo caption), corrections by editing, locations, /undo."""

from telegram import Update

from bot.domain.errors import UserError
from bot.domain.parsing import parse_distance_and_note
from bot.edge.context import BotContext
from bot.edge.handlers.common import command_text, is_command_for, message_of, person_of, reply, sent_at
from bot.edge.handlers.which_run import run_of, where
from bot.replies import render
from bot.services import pledges, tracking
from bot.services.results import LogUndone
from bot.services.scope import Role

USAGE = "/update 24.5 Flyovers done (or a photo with that caption)"


def _post_of(update: Update, context: BotContext) -> tracking.Message:
    message = message_of(update)
    metres, note = parse_distance_and_note(command_text(message), USAGE)
    user_id = person_of(update).id
    return tracking.Message(
        where=where(update, context),
        user_id=user_id,
        metres=metres,
        note=note,
        chat_id=message.chat_id,
        message_id=message.message_id,
        photo_file_id=message.photo[-1].file_id if message.photo else None,
    )


async def post(update: Update, context: BotContext) -> None:
    message = message_of(update)
    if is_command_for(message, "update", context.bot.username):
        result = await tracking.post_update(context.db, _post_of(update, context), message.date)
        await reply(update, render.posted(result, in_group=message.chat.type != "private"))


async def edit(update: Update, context: BotContext) -> None:
    """An edited /update message corrects the update it made."""
    message = message_of(update)
    if is_command_for(message, "update", context.bot.username):
        result = await tracking.record_edit(context.db, _post_of(update, context), sent_at(message), message.date)
        await reply(update, render.posted(result, in_group=message.chat.type != "private"))


async def location(update: Update, context: BotContext) -> None:
    message = message_of(update)
    if message.location is None:
        return
    user_id = person_of(update).id
    try:
        run = await run_of(update, context, Role.RUNNER)
    except UserError:
        if update.edited_message:  # each move of a live location: answer the first share only
            return
        raise
    where = tracking.PositionMessage(
        run_id=run.id,
        user_id=user_id,
        latitude=message.location.latitude,
        longitude=message.location.longitude,
        chat_id=message.chat_id,
        message_id=message.message_id,
    )
    try:
        saved = await tracking.save_position(context.db, where, sent_at(message))
    except UserError:
        if update.edited_message:  # each move of a live location: answer the first share only
            return
        raise
    if update.message:
        await reply(update, render.position_saved(saved, live="live_period" in message.location.to_dict()))


async def undo(update: Update, context: BotContext) -> None:
    """A runner removes their last update; a supporter who is not a runner, their last /log."""
    message = message_of(update)
    user_id = person_of(update).id
    result = await pledges.undo_last(context.db, where(update, context), user_id, sent_at(message))
    in_group = message.chat.type != "private"
    text = render.log_undone(result) if isinstance(result, LogUndone) else render.undone(result, in_group)
    await reply(update, text)
