"""/start (with an invite token, it makes a runner) and /help."""

from telegram import Update

from bot.edge.commands import help_text
from bot.edge.context import BotContext
from bot.edge.handlers.common import display_name, message_of, person_of, reply, sent_at
from bot.replies import render
from bot.services import runs, tracking


async def start(update: Update, context: BotContext) -> None:
    if context.args:
        user = person_of(update)
        joined = await runs.join(context.db, context.args[0], user.id, display_name(user), sent_at(message_of(update)))
        await reply(update, render.joined(joined))
        return
    await help_(update, context, welcome=True)


async def help_(update: Update, context: BotContext, welcome: bool = False) -> None:
    user_id = update.effective_user.id if update.effective_user else None
    run = await runs.current(context.db)
    runner = await tracking.runner_of(context.db, run, user_id) if user_id else None
    text = help_text(is_runner=runner is not None, is_organiser=context.settings.is_organiser(user_id))
    await reply(update, render.welcome(run, text) if welcome else text)
