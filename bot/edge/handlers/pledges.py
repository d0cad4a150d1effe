"""Supporters' pledges and their own km: /pledge (and its quick choices), /log, /mypledge, /supporters,
/hideme, /showme, and the pace reminders' /quiet and /nudge. /undo of a log is in runner.undo."""

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update

from bot.domain.parsing import parse_log, parse_pledge
from bot.edge.context import BotContext
from bot.edge.handlers import guards
from bot.edge.handlers.common import command_text, first_name_of, is_command_for, message_of, person_of, reply, sent_at
from bot.edge.handlers.which_run import run_of, where
from bot.replies import pictures, render
from bot.services import nudges, pledges
from bot.services.results import Logged

CHOICES = ("5%", "10%", "25%")
CHOICE_DATA = "pledge {} {}"  # the share and the run's id (a button of the previous version names no run)
CHOICE_PATTERN = r"^pledge (5|10|25)%(?: (\d{1,18}))?$"


def keyboard(run_id: int) -> InlineKeyboardMarkup:
    """Quick shares of the run the reply is about."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(c, callback_data=CHOICE_DATA.format(c, run_id)) for c in CHOICES]]
    )


async def pledge(update: Update, context: BotContext) -> None:
    message, user = message_of(update), person_of(update)
    choice = parse_pledge(command_text(message))
    result = await pledges.pledge(
        context.db,
        where=where(update, context),
        user_id=user.id,
        first_name=first_name_of(user),
        choice=choice,
        at=sent_at(message),
    )
    await message.reply_text(render.pledged(result), reply_markup=keyboard(result.run.id))


async def choose(update: Update, context: BotContext) -> None:
    """A tap on 5% / 10% / 25%: what /pledge with that share does, replied in the chat."""
    query = update.callback_query
    if query is None:
        return
    tapped = re.fullmatch(CHOICE_PATTERN, query.data or "")
    if tapped is None:  # PTB hands a tap with empty data to every pattern
        await guards.stale_button(update, context)
        return
    await query.answer()
    choice = parse_pledge(f"{tapped[1]}%")
    run_id = int(tapped[2]) if tapped[2] else None  # a button of the previous version names no run
    user = query.from_user
    result = await pledges.pledge(
        context.db,
        where=where(update, context),
        run_id=run_id,
        user_id=user.id,
        first_name=first_name_of(user),
        choice=choice,
        at=context.now(),
    )
    chat = update.effective_chat
    await context.bot.send_message(chat.id if chat else user.id, render.pledged(result))


async def _reply_logged(update: Update, context: BotContext, result: Logged) -> None:
    message = message_of(update)
    shares = keyboard(result.run.id) if result.status.pledged_m is None else None
    await message.reply_text(render.logged(result), reply_markup=shares)
    send_card_if_reached(update, context, result)


def send_card_if_reached(update: Update, context: BotContext, result: Logged) -> None:
    """After the reply to whatever logged the km (/log, its edit, a watch file): when it reached the pledge, a
    card to keep, drawn while the bot goes on."""
    if result.congratulate:
        context.application.create_task(_send_card(message_of(update), result), update=update)


async def _send_card(message: Message, result: Logged) -> None:
    card = await pictures.draw(pictures.completion_card, result.first_name, result.status.logged_m, result.run.title)
    await message.reply_photo(card, caption=render.completion_caption(result))


def _log_message(update: Update, context: BotContext) -> pledges.LogMessage:
    message, user = message_of(update), person_of(update)
    entry = parse_log(command_text(message))
    return pledges.LogMessage(
        where(update, context), user.id, first_name_of(user), entry, message.chat_id, message.message_id
    )


async def log_km(update: Update, context: BotContext) -> None:
    result = await pledges.log(context.db, _log_message(update, context), message_of(update).date)
    await _reply_logged(update, context, result)


async def edit_log(update: Update, context: BotContext) -> None:
    """An edited /log message corrects the log it made."""
    message = message_of(update)
    if not is_command_for(message, "log", context.bot.username):
        return
    result = await pledges.record_log_edit(context.db, _log_message(update, context), sent_at(message), message.date)
    await _reply_logged(update, context, result)


async def my_pledge(update: Update, context: BotContext) -> None:
    message, user = message_of(update), person_of(update)
    run = await run_of(update, context)
    standing = await pledges.my_pledge(context.db, run.id, user.id, first_name_of(user), sent_at(message))
    shares = keyboard(run.id) if standing.status.pledged_m is None else None
    await message.reply_text(render.my_pledge(standing), reply_markup=shares)


async def supporters(update: Update, context: BotContext) -> None:
    report = await pledges.supporters_report(context.db, (await run_of(update, context)).id)
    await reply(update, render.supporters(report))


async def hide(update: Update, context: BotContext) -> None:
    await _set_hidden(update, context, True)


async def show(update: Update, context: BotContext) -> None:
    await _set_hidden(update, context, False)


async def _set_hidden(update: Update, context: BotContext, hidden: bool) -> None:
    user = person_of(update)
    await pledges.set_hidden(context.db, user.id, first_name_of(user), hidden, sent_at(message_of(update)))
    await reply(update, render.hidden(hidden))


async def quiet(update: Update, context: BotContext) -> None:
    await _set_quiet(update, context, True)


async def nudge(update: Update, context: BotContext) -> None:
    await _set_quiet(update, context, False)


async def _set_quiet(update: Update, context: BotContext, quiet: bool) -> None:
    user = person_of(update)
    result = await nudges.set_quiet(context.db, user.id, first_name_of(user), quiet, sent_at(message_of(update)))
    await reply(update, render.reminders(result, context.settings.summary_time))
