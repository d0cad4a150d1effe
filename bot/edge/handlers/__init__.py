"""Which update goes to which handler."""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.edge import exactly_once
from bot.edge.handlers import chats, files, general, guards, organiser, pledges, route, runner, supporter
from bot.edge.handlers.which_run import CHOSEN_PATTERN

FIRST, LAST = -1, 99
NEW = filters.UpdateType.MESSAGE  # CommandHandler also fires on edits unless told otherwise
UPDATE_CAPTION = filters.CaptionRegex(r"^/update(@\w+)?(\s|$)")
UPDATE_TEXT = filters.Regex(r"^/update(@\w+)?(\s|$)")
LOG_TEXT = filters.Regex(r"^/log(@\w+)?(\s|$)")
ROUTE_CAPTION = filters.CaptionRegex(r"^/route(@\w+)?(\s|$)")


def register(app: Application) -> None:
    """Organisers' commands reach everyone's messages: which run a command acts on, and whether its sender
    organises that run, is the services' to say (bot.services.scope), so the reply can say it."""
    app.add_handler(TypeHandler(Update, exactly_once.skip_seen), group=FIRST)
    app.add_handlers(
        [
            MessageHandler(guards.NOT_THEIR_OWN, guards.ignore),  # first: no command handler sees them
            CommandHandler("start", general.start, filters=NEW),
            CommandHandler("help", general.help_, filters=NEW),
            CommandHandler("runs", general.runs_, filters=NEW),
            CallbackQueryHandler(general.chosen, pattern=CHOSEN_PATTERN),
            CommandHandler("progress", supporter.progress, filters=NEW),
            CommandHandler("today", supporter.today, filters=NEW),
            CommandHandler("chart", supporter.chart, filters=NEW),
            CommandHandler("update", runner.post, filters=NEW),
            MessageHandler(NEW & filters.PHOTO & UPDATE_CAPTION, runner.post),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & (UPDATE_TEXT | UPDATE_CAPTION), runner.edit),
            MessageHandler(filters.LOCATION & filters.ChatType.PRIVATE, runner.location),
            CommandHandler("undo", runner.undo, filters=NEW),
            CommandHandler("pledge", pledges.pledge, filters=NEW),
            CallbackQueryHandler(pledges.choose, pattern=pledges.CHOICE_PATTERN),
            CommandHandler("log", pledges.log_km, filters=NEW),
            MessageHandler(filters.UpdateType.EDITED_MESSAGE & LOG_TEXT, pledges.edit_log),
            CommandHandler("mypledge", pledges.my_pledge, filters=NEW),
            CommandHandler("supporters", pledges.supporters, filters=NEW),
            CommandHandler("hideme", pledges.hide, filters=NEW),
            CommandHandler("showme", pledges.show, filters=NEW),
            CommandHandler("quiet", pledges.quiet, filters=NEW),
            CommandHandler("nudge", pledges.nudge, filters=NEW),
            CommandHandler("newrun", organiser.new_run, filters=NEW),
            CommandHandler("setdistance", organiser.set_distance, filters=NEW),
            CommandHandler("setend", organiser.set_end, filters=NEW),
            CommandHandler("endrun", organiser.end_run, filters=NEW),
            CommandHandler("invite", organiser.invite, filters=NEW),
            CommandHandler("position", organiser.position, filters=NEW),
            CommandHandler("list", organiser.list_run, filters=NEW),
            CommandHandler("unlist", organiser.unlist, filters=NEW),
            CommandHandler("checkpoint", route.checkpoint, filters=NEW),
            MessageHandler(NEW & filters.Document.ALL & ROUTE_CAPTION, files.route),
            MessageHandler(NEW & filters.Document.ALL & filters.ChatType.PRIVATE, files.activity),
            CommandHandler("checkpoints", route.checkpoints, filters=NEW),
            CommandHandler("subscribe", chats.subscribe, filters=NEW),
            CommandHandler("unsubscribe", chats.unsubscribe, filters=NEW),
            CommandHandler("follow", chats.follow, filters=NEW),
            CommandHandler("unfollow", chats.unfollow, filters=NEW),
            MessageHandler(filters.StatusUpdate.MIGRATE, chats.migrated),
            ChatMemberHandler(chats.membership, ChatMemberHandler.MY_CHAT_MEMBER),
            CallbackQueryHandler(guards.stale_button),  # last: every other tap is answered too
        ]
    )
    app.add_handler(TypeHandler(Update, exactly_once.mark_handled), group=LAST)
