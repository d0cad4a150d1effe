"""Organisers (ADMIN_IDS) set up runs, correct them and invite runners."""

from telegram import Update
from telegram.constants import ChatType

from bot.domain.errors import UserError
from bot.domain.parsing import MAX_RUN_M, parse_date, parse_distance, parse_new_run, parse_role
from bot.edge.context import BotContext
from bot.edge.handlers.common import chat_of, command_text, message_of, person_of, reply, sent_at
from bot.replies import render
from bot.services import live, runs

COMMANDS = ("newrun", "setdistance", "setend", "endrun", "invite", "position")


async def new_run(update: Update, context: BotContext) -> None:
    message = message_of(update)
    spec = parse_new_run(command_text(message))
    run = await runs.create_run(
        context.db, spec, context.settings.default_timezone, person_of(update).id, sent_at(message)
    )
    await reply(update, render.run_created(run))


async def set_distance(update: Update, context: BotContext) -> None:
    metres = parse_distance(command_text(message_of(update)), "/setdistance 416", max_m=MAX_RUN_M)
    await reply(update, render.distance_changed(await runs.set_distance(context.db, metres)))


async def set_end(update: Update, context: BotContext) -> None:
    end = parse_date(command_text(message_of(update)), "/setend 2021-08-24")
    await reply(update, render.end_changed(await runs.set_end_date(context.db, end)))


async def end_run(update: Update, context: BotContext) -> None:
    await runs.end_run(context.db, sent_at(message_of(update)))
    await reply(update, "🏁 The run is closed where it stands. /progress shows the final figures.")


async def invite(update: Update, context: BotContext) -> None:
    """A one-time link; only in the organiser's private chat, where no one else can use it first."""
    if chat_of(update).type != ChatType.PRIVATE:
        raise UserError(
            f"Send /invite to me in a private chat (@{context.bot.username}): anyone here could use the link."
        )
    message = message_of(update)
    role = parse_role(command_text(message), "/invite lead or /invite companion")
    made = await runs.invite(context.db, role, person_of(update).id, sent_at(message))
    await reply(update, render.invite_link(context.bot.username, made.token, role, made.expires_at))


async def position(update: Update, context: BotContext) -> None:
    """/position live|delay 30|coarse|hide: what the public sees of the runner's position, everywhere."""
    policy = await live.set_position_policy(context.db, command_text(message_of(update)))
    await reply(update, render.position_policy(policy))


async def refuse(update: Update, context: BotContext) -> None:
    await reply(update, "Sorry, only the run's organisers can do that.")
