"""Commands anyone can use to follow the run."""

from telegram import Update

from bot import render
from bot.context import BotContext
from bot.handlers.common import message_of, reply, sent_at
from bot.services import tracking

MAX_PHOTOS = 3


async def progress(update: Update, context: BotContext) -> None:
    report = await tracking.progress_report(context.db, sent_at(message_of(update)))
    await reply(update, render.progress(report))


async def today(update: Update, context: BotContext) -> None:
    message = message_of(update)
    report = await tracking.today_report(context.db, sent_at(message))
    await reply(update, render.today(report))
    with_photos = [(e, e.update.photo_file_id) for e in report.entries if e.update.photo_file_id]
    for entry, photo in with_photos[:MAX_PHOTOS]:
        caption = render.photo_caption(entry.name, entry.update.metres, entry.update.note)
        await message.reply_photo(photo, caption=caption)
