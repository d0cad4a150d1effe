"""Commands anyone can use to follow the run."""

from telegram import Update
from telegram.constants import ChatType

from bot.edge import live_page, photos
from bot.edge.context import BotContext
from bot.edge.handlers.common import chat_of, message_of, reply, sent_at
from bot.edge.handlers.which_run import run_of
from bot.replies import render
from bot.services import live, tracking

MAX_PHOTOS = 3


async def progress(update: Update, context: BotContext) -> None:
    run = await run_of(update, context)
    report = await tracking.progress_report(context.db, run, sent_at(message_of(update)))
    private = chat_of(update).type == ChatType.PRIVATE
    await reply(update, render.progress(report), live_page.button(context.settings, private, run))


async def chart(update: Update, context: BotContext) -> None:
    """/chart: the cumulative km against the plan and the km of each day, as a picture."""
    message = message_of(update)
    figures = await live.chart(context.db, (await run_of(update, context)).id, sent_at(message))
    picture = await photos.chart(context.bot_data, figures)
    await picture.send(lambda photo: message.reply_photo(photo, caption=render.chart_caption(figures)))


async def today(update: Update, context: BotContext) -> None:
    message = message_of(update)
    report = await tracking.today_report(context.db, await run_of(update, context), sent_at(message))
    await reply(update, render.today(report))
    with_photos = [(e, e.photo_file_id) for e in report.posted if e.photo_file_id]
    for entry, photo in with_photos[:MAX_PHOTOS]:
        caption = render.photo_caption(entry.name, entry.metres, entry.note)
        await message.reply_photo(photo, caption=caption)
