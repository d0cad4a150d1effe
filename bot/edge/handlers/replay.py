"""Answering a message again once the run it meant is chosen: a tap on "which run?" hands the question's
message (a reply to the user's message, which Telegram includes in the tap) to the handler its command
names, as if it had come now, so nobody types it twice. Keyed by the message, the writes it makes are made
once however often it is answered (a /log, an /update, a file)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Message, Update

from bot.edge.context import BotContext
from bot.edge.handlers import chats, files, organiser, pledges, route, runner, supporter
from bot.edge.handlers.common import COMMAND

Handler = Callable[[Update, BotContext], Awaitable[None]]
BY_COMMAND: dict[str, Handler] = {
    "progress": supporter.progress,
    "today": supporter.today,
    "chart": supporter.chart,
    "checkpoints": route.checkpoints,
    "update": runner.post,
    "undo": runner.undo,
    "pledge": pledges.pledge,
    "log": pledges.log_km,
    "mypledge": pledges.my_pledge,
    "supporters": pledges.supporters,
    "subscribe": chats.subscribe,
    "follow": chats.follow,
    "unfollow": chats.unfollow,
    "setdistance": organiser.set_distance,
    "setend": organiser.set_end,
    "endrun": organiser.end_run,
    "invite": organiser.invite,
    "position": organiser.position,
    "list": organiser.list_run,
    "unlist": organiser.unlist,
    "checkpoint": route.checkpoint,
}


def handler_of(message: Message) -> Handler | None:
    """The handler the message's command (or a document's, a location's) goes to; None for anything else, and
    for what no handler may take (a forward, a message through an inline bot, a command for another bot)."""
    if message.via_bot is not None or (message.forward_origin is not None and message.document is None):
        return None
    if message.location is not None:
        return runner.location if message.chat.type == "private" else None
    named = COMMAND.match(message.text or message.caption or "")
    if named and named["bot"] and named["bot"].lower() != message.get_bot().username.lower():
        return None
    if message.document is not None:
        if named and named["name"].lower() == "route":
            return files.route
        return files.activity if message.chat.type == "private" else None
    return BY_COMMAND.get(named["name"].lower()) if named else None


async def replay(asked: Message, tap: Update, context: BotContext) -> None:
    """Answer `asked` (the user's message the question replied to) in the tap's update: its writes commit
    with the tap's handled mark (bot.edge.exactly_once)."""
    tapper = tap.effective_user
    if asked.from_user is None or tapper is None or asked.from_user.id != tapper.id or asked.sender_chat:
        return  # someone else's message: the tap chose the group's run, it does not give their command
    handler = handler_of(asked)
    if handler is not None:
        await handler(Update(tap.update_id, message=asked), context)
