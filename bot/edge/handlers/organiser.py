"""Organisers set up runs, correct them, list or unlist them, and invite runners and co-organisers. Whoever
may create runs (the operators, ADMIN_IDS, or anyone when ANYONE_CREATES_RUNS=yes) organises the runs they
create; every other command acts on one run its sender organises (bot.services.scope)."""

from telegram import Update
from telegram.constants import ChatType

from bot.domain.errors import UserError
from bot.domain.parsing import MAX_RUN_M, parse_date, parse_distance, parse_new_run, parse_role
from bot.edge.context import BotContext
from bot.edge.handlers.common import chat_of, command_text, message_of, person_of, reply, sent_at
from bot.edge.handlers.which_run import organiser_of
from bot.replies import render
from bot.services import live, runs
from bot.services.scope import NOT_ORGANISER, Role

NOT_CREATOR = "Sorry, only the bot's operators can start a run here."


async def new_run(update: Update, context: BotContext) -> None:
    message, user = message_of(update), person_of(update)
    if not context.settings.may_create_runs(user.id):
        raise UserError(NOT_CREATOR)
    spec = parse_new_run(command_text(message))
    run = await runs.create_run(context.db, spec, context.settings.default_timezone, user.id, sent_at(message))
    await reply(update, render.run_created(run, context.bot.username))


async def set_distance(update: Update, context: BotContext) -> None:
    metres = parse_distance(command_text(message_of(update)), "/setdistance 416", max_m=MAX_RUN_M)
    change = await runs.set_distance(context.db, await organiser_of(update, context), metres)
    await reply(update, render.distance_changed(change))


async def set_end(update: Update, context: BotContext) -> None:
    end = parse_date(command_text(message_of(update)), "/setend 2021-08-24")
    await reply(
        update, render.end_changed(await runs.set_end_date(context.db, await organiser_of(update, context), end))
    )


async def end_run(update: Update, context: BotContext) -> None:
    run = await runs.end_run(context.db, await organiser_of(update, context), sent_at(message_of(update)))
    await reply(update, render.run_ended(run))


async def unlist(update: Update, context: BotContext) -> None:
    await _set_listed(update, context, False)


async def list_run(update: Update, context: BotContext) -> None:
    await _set_listed(update, context, True)


async def _set_listed(update: Update, context: BotContext, listed: bool) -> None:
    change = await runs.set_listed(context.db, await organiser_of(update, context), listed)
    await reply(update, render.listing(change.after, context.bot.username))


async def invite(update: Update, context: BotContext) -> None:
    """A one-time link; only in the organiser's private chat, where no one else can use it first."""
    if chat_of(update).type != ChatType.PRIVATE:
        raise UserError(
            f"Send /invite to me in a private chat (@{context.bot.username}): anyone here could use the link."
        )
    message = message_of(update)
    role = parse_role(command_text(message), "/invite lead, /invite companion or /invite organiser")
    run, made = await runs.invite(context.db, await organiser_of(update, context), role, sent_at(message))
    await reply(update, render.invite_link(context.bot.username, run, made.token, role, made.expires_at))


async def position(update: Update, context: BotContext) -> None:
    """/position live|delay 30|coarse|hide: what the public sees of the runner's position, everywhere."""
    who = await organiser_of(update, context, Role.CLOSER)  # an ended run's last position can still be hidden
    run, policy = await live.set_position_policy(context.db, who, command_text(message_of(update)))
    await reply(update, render.position_policy(policy, run))


async def refuse(update: Update, context: BotContext) -> None:
    await reply(update, NOT_ORGANISER)
