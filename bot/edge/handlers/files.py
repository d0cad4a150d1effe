"""Documents sent to the bot: a GPX route with the caption /route (organisers), and activity files (GPX or
FIT) in a private chat: a runner's become updates, anyone else's become logs of their own km."""

from collections.abc import Awaitable, Callable

from telegram import Document, Message, MessageOriginUser, Update

from bot.domain.errors import UserError
from bot.edge.context import BotContext
from bot.edge.handlers.common import command_text, first_name_of, message_of, person_of, reply, sent_at
from bot.edge.handlers.pledges import send_card_if_reached
from bot.edge.handlers.which_run import organiser_of, where
from bot.replies import render_route
from bot.services import routes, scope
from bot.services.results import ActivityLogged


def _downloader(document: Document, context: BotContext) -> Callable[[], Awaitable[bytes]]:
    """Called only after the size Telegram gives was checked (and, for activities, the file is new)."""

    async def download() -> bytes:
        file = await context.bot.get_file(document.file_id)
        return bytes(await file.download_as_bytearray())

    return download


async def route(update: Update, context: BotContext) -> None:
    message = message_of(update)
    person_of(update)
    document = message.document
    if document is None:
        return
    who = await organiser_of(update, context)
    download = _downloader(document, context)
    result = await routes.receive_route(context.db, who, document.file_size, download, sent_at(message))
    await reply(update, render_route.route_saved(result))


def forwarded_from_someone_else(message: Message, user_id: int) -> bool:
    """Forwarded, and not by its own author (a runner may forward their own file from Saved Messages)."""
    origin = message.forward_origin
    if origin is None:
        return False
    return not (isinstance(origin, MessageOriginUser) and origin.sender_user.id == user_id)


def _activity_message(
    message: Message, runs: tuple[tuple[int, ...], int | None], user_id: int, first_name: str, document: Document
) -> routes.ActivityMessage:
    return routes.ActivityMessage(
        run_ids=runs[0],
        chat_run_id=runs[1],
        user_id=user_id,
        first_name=first_name,
        file_unique_id=document.file_unique_id,
        file_name=document.file_name or "",
        file_size=document.file_size,
        note=command_text(message) or None,
        chat_id=message.chat_id,
        message_id=message.message_id,
    )


async def activity(update: Update, context: BotContext) -> None:
    message, user = message_of(update), person_of(update)
    document = message.document
    if document is None:
        return
    if forwarded_from_someone_else(message, user.id):
        raise UserError(
            "This file was forwarded from someone else: an activity file counts for whoever sends it, so send"
            " the one your own watch or app exported."
        )
    runs = await scope.activity_runs(context.db, where(update, context))
    sent = _activity_message(message, runs, user.id, first_name_of(user), document)
    result = await routes.receive_activity(context.db, sent, _downloader(document, context), sent_at(message))
    if isinstance(result, ActivityLogged):
        await reply(update, render_route.activity_logged(result))
        send_card_if_reached(update, context, result.logged)
    else:
        await reply(update, render_route.activity_posted(result))
