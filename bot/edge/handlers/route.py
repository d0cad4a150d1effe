"""The planned route's checkpoints: /checkpoint (organisers) and /checkpoints (anyone)."""

from telegram import Update

from bot.domain.checkpoint_parsing import parse_checkpoint
from bot.edge.context import BotContext
from bot.edge.handlers.common import command_text, message_of, reply, sent_at
from bot.edge.handlers.which_run import organiser_of, run_of
from bot.replies import render_route
from bot.services import routes


async def checkpoint(update: Update, context: BotContext) -> None:
    message = message_of(update)
    command = parse_checkpoint(command_text(message))
    who = await organiser_of(update, context)
    if command.at_m is None:
        await reply(
            update, render_route.checkpoint_removed(await routes.remove_checkpoint(context.db, who, command.name))
        )
        return
    result = await routes.add_checkpoint(context.db, who, command.name, command.at_m, sent_at(message))
    await reply(update, render_route.checkpoint_set(result))


async def checkpoints(update: Update, context: BotContext) -> None:
    report = await routes.checkpoint_report(context.db, (await run_of(update, context)).id, sent_at(message_of(update)))
    await reply(update, render_route.checkpoints(report))
