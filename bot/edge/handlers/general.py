"""/start (an invite makes a runner or a co-organiser; a run's slug joins its run, or in a group makes the
group follow it), /help, and /runs with the buttons that choose which run a chat is about."""

import re

from telegram import Update

from bot.domain.errors import UserError
from bot.edge.commands import help_text
from bot.edge.context import BotContext
from bot.edge.handlers.admins import require_admin
from bot.edge.handlers.common import display_name, message_of, person_of, reply, sent_at
from bot.edge.handlers.guards import stale_button
from bot.edge.handlers.replay import replay
from bot.edge.handlers.which_run import CHOSEN_PATTERN, run_buttons, where
from bot.replies import render
from bot.services import runs


async def start(update: Update, context: BotContext) -> None:
    if not context.args:
        await help_(update, context, welcome=True)
        return
    payload, here, at = context.args[0], where(update, context), sent_at(message_of(update))
    if await runs.is_invite(context.db, payload):
        user = person_of(update)
        await reply(update, render.joined(await runs.join(context.db, payload, user.id, display_name(user), at)))
        return
    if here.in_group:
        await require_admin(update, context, "choose the run this group follows")
    await reply(update, render.link_opened(await runs.open_link(context.db, payload, here, at), here.in_group))


async def help_(update: Update, context: BotContext, welcome: bool = False) -> None:
    roles = await runs.roles(context.db, where(update, context))
    text = help_text(is_runner=roles.is_runner, is_organiser=roles.is_organiser)
    await reply(update, render.welcome(roles.run, text, roles.several) if welcome else text)


async def runs_(update: Update, context: BotContext) -> None:
    """/runs: the runs of this person (or this group), with a button for each to make the chat about it."""
    view = await runs.runs_view(context.db, where(update, context))
    current = view.current.id if view.current else None
    await reply(update, render.runs_list(view), run_buttons(view.mine + view.others, current))


async def chosen(update: Update, context: BotContext) -> None:
    """A tap on a run's button: the chat is about that run from now on (in a group: the first answer chooses,
    then only its administrators change it). When the buttons asked which run a message meant, that message
    is answered now (handlers.replay)."""
    query = update.callback_query
    match = re.fullmatch(CHOSEN_PATTERN, query.data or "") if query else None
    if query is None or query.message is None or match is None:  # PTB hands empty data to every pattern
        await stale_button(update, context)
        return
    here = where(update, context)
    try:
        if here.in_group and await runs.chat_run(context.db, here.chat_id) is not None:
            await require_admin(update, context, "change the run this group follows")
        run = await runs.choose(context.db, here, int(match[1]), context.now())
    except UserError as refused:  # answered on the button, where it was tapped
        await query.answer(refused.text)
        return
    await query.answer()
    await query.edit_message_text(render.run_chosen(run, here.in_group))
    asked = getattr(query.message, "reply_to_message", None)
    if asked is not None:
        await replay(asked, update, context)
