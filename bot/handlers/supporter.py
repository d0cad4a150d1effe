"""Commands anyone can use to follow the run."""

from telegram import Update

from bot import render
from bot.context import BotContext
from bot.handlers.common import reply, sent_at
from bot.services import tracking

MAX_PHOTOS = 3


async def progress(update: Update, context: BotContext) -> None:
    report = await tracking.progress_report(context.db, sent_at(update.effective_message))
    await reply(update, render.progress(report))


async def today(update: Update, context: BotContext) -> None:
    report = await tracking.today_report(context.db, sent_at(update.effective_message))
    await reply(update, render.today(report))
    with_photos = [e for e in report.entries if e.update.photo_file_id]
    for entry in with_photos[:MAX_PHOTOS]:
        caption = render.photo_caption(entry.name, entry.update.metres, entry.update.note)
        await update.effective_message.reply_photo(entry.update.photo_file_id, caption=caption)
