"""Which run a message is about, for the handlers (the rule: bot.services.scope), and the question when it
could be about several: a button for each run, under a reply to the message. A tap makes the chat about
that run and answers the message as if it had named it (handlers.runs.chosen)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType

from bot.edge.context import BotContext
from bot.edge.handlers.common import chat_of, message_of
from bot.replies import render
from bot.services import scope
from bot.services.scope import Role
from storage.runs import Run

CHOSEN = "run {}"
CHOSEN_PATTERN = r"^run (\d{1,18})$"


def where(update: Update, context: BotContext) -> scope.Where:
    chat, user = chat_of(update), update.effective_user
    message = update.effective_message
    anonymous = message is not None and message.sender_chat is not None
    user_id = None if user is None or anonymous else user.id
    return scope.Where(
        chat_id=chat.id,
        user_id=user_id,
        in_group=chat.type != ChatType.PRIVATE,
        is_operator=context.settings.is_operator(user_id),
    )


async def run_of(update: Update, context: BotContext, role: Role = Role.READER) -> Run:
    """The run the message is about; raises the question (scope.WhichRun) or the refusal instead."""
    return await scope.run_for(context.db, where(update, context), role)


async def organiser_of(update: Update, context: BotContext, role: Role = Role.ORGANISER) -> scope.Organiser:
    """The run an organiser's command is about, and who gives it (the service checks they organise it)."""
    here = where(update, context)
    run = await scope.run_for(context.db, here, role)
    return scope.Organiser(run.id, here.user_id or 0, here.is_operator)


def run_buttons(runs: list[Run], current: int | None = None) -> InlineKeyboardMarkup:
    mark = "✓ "
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"{mark if r.id == current else ''}{r.title}"[:64], callback_data=CHOSEN.format(r.id))]
         for r in runs]
    )  # fmt: skip


async def ask(update: Update, question: scope.WhichRun) -> None:
    """Reply to the message with the question and a button per run (the tap answers the message). Asked by a
    tap on a button (one of the previous version, naming no run), the question is sent to the chat unquoted."""
    text, buttons = render.which_run(question.choices), run_buttons(question.choices)
    if update.callback_query is not None:
        await update.get_bot().send_message(message_of(update).chat_id, text, reply_markup=buttons)
        return
    # quoted: the tap carries the message it answers (handlers.replay)
    await message_of(update).reply_text(text, reply_markup=buttons, do_quote=True)
