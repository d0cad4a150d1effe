"""Supporters' pledges and their own km: /pledge (and its quick choices), /log, /mypledge, /supporters,
/hideme, /showme, and the pace reminders' /quiet and /nudge. /undo of a log is in runner.undo."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, User

from bot import render
from bot.context import BotContext
from bot.handlers.common import command_text, is_command_for, reply, sent_at
from bot.parsing import parse_log, parse_pledge
from bot.services import nudges, pledges

CHOICES = ("5%", "10%", "25%")
CHOICE_DATA = "pledge {}"
CHOICE_PATTERN = r"^pledge (5|10|25)%$"
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton(c, callback_data=CHOICE_DATA.format(c)) for c in CHOICES]])


def _first_name(user: User) -> str:
    return (user.first_name or "Supporter")[:64]


async def pledge(update: Update, context: BotContext) -> None:
    message = update.effective_message
    choice = parse_pledge(command_text(message))
    user = update.effective_user
    result = await pledges.pledge(
        context.db, user_id=user.id, first_name=_first_name(user), choice=choice, at=sent_at(message)
    )
    await message.reply_text(render.pledged(result), reply_markup=KEYBOARD)


async def choose(update: Update, context: BotContext) -> None:
    """A tap on 5% / 10% / 25%: what /pledge with that share does, replied in the chat."""
    query = update.callback_query
    await query.answer()
    choice = parse_pledge(query.data.removeprefix(CHOICE_DATA.format("")))
    result = await pledges.pledge(
        context.db, user_id=query.from_user.id, first_name=_first_name(query.from_user), choice=choice, at=context.now()
    )
    await context.bot.send_message(update.effective_chat.id, render.pledged(result))


async def _reply_logged(update: Update, result: pledges.Logged) -> None:
    keyboard = KEYBOARD if result.status.pledged_m is None else None
    await update.effective_message.reply_text(render.logged(result), reply_markup=keyboard)


def _log_message(update: Update) -> pledges.LogMessage:
    message, user = update.effective_message, update.effective_user
    entry = parse_log(command_text(message))
    return pledges.LogMessage(user.id, _first_name(user), entry, message.chat_id, message.message_id)


async def log_km(update: Update, context: BotContext) -> None:
    result = await pledges.log(context.db, _log_message(update), update.effective_message.date)
    await _reply_logged(update, result)


async def edit_log(update: Update, context: BotContext) -> None:
    """An edited /log message corrects the log it made."""
    message = update.edited_message
    if not is_command_for(message, "log", context.bot.username):
        return
    result = await pledges.record_log_edit(context.db, _log_message(update), sent_at(message), message.date)
    await _reply_logged(update, result)


async def my_pledge(update: Update, context: BotContext) -> None:
    user = update.effective_user
    standing = await pledges.my_pledge(context.db, user.id, _first_name(user), sent_at(update.effective_message))
    keyboard = KEYBOARD if standing.status.pledged_m is None else None
    await update.effective_message.reply_text(render.my_pledge(standing), reply_markup=keyboard)


async def supporters(update: Update, context: BotContext) -> None:
    await reply(update, render.supporters(await pledges.supporters_report(context.db)))


async def hide(update: Update, context: BotContext) -> None:
    await _set_hidden(update, context, True)


async def show(update: Update, context: BotContext) -> None:
    await _set_hidden(update, context, False)


async def _set_hidden(update: Update, context: BotContext, hidden: bool) -> None:
    user = update.effective_user
    await pledges.set_hidden(context.db, user.id, _first_name(user), hidden, sent_at(update.effective_message))
    await reply(update, render.hidden(hidden))


async def quiet(update: Update, context: BotContext) -> None:
    await _set_quiet(update, context, True)


async def nudge(update: Update, context: BotContext) -> None:
    await _set_quiet(update, context, False)


async def _set_quiet(update: Update, context: BotContext, quiet: bool) -> None:
    user = update.effective_user
    result = await nudges.set_quiet(context.db, user.id, _first_name(user), quiet, sent_at(update.effective_message))
    await reply(update, render.reminders(result, context.settings.summary_time))
