"""Scheduled work: the daily summaries and pace reminders.

One repeating job, every minute, asks the database which chats are due: their local time has
passed today in their time zone and they have no summary for today in the delivery log. The
schedule is the `subscriptions` table, so it survives restarts with nothing to rebuild but this
one job; a chat whose time passed while the bot was down is simply still due, and gets its summary
on the first pass after the restart (the same local day). A new or changed subscription needs no
job of its own. The pass costs one indexed query per time zone in use; each summary text is
rendered once per pass and sent to all the chats due for it. The same pass sends the supporters'
pace reminders once the default summary time has come in the run's time zone (bot.services.nudges).
"""

from __future__ import annotations

import logging
import time

from telegram.ext import Application

from bot.edge import delivery, exactly_once, live_page, photos
from bot.edge.context import BotContext
from bot.edge.delivery import Outcome, Outgoing
from bot.replies import render
from bot.services import nudges, summaries

log = logging.getLogger(__name__)

SUMMARIES = "daily summaries"
HOUSEKEEPING = "housekeeping"
EVERY = 60  # seconds between passes: a summary goes out within a minute of its time


def schedule(app: Application) -> None:
    """post_init: (re)start the summaries' job. Jobs are not persisted: what is due lives in the database."""
    queue = app.job_queue
    if queue is None:
        raise RuntimeError("the job queue is missing: install python-telegram-bot[job-queue]")
    for job in (*queue.get_jobs_by_name(SUMMARIES), *queue.get_jobs_by_name(HOUSEKEEPING)):
        job.schedule_removal()
    queue.run_repeating(
        send_summaries,
        interval=EVERY,
        first=EVERY - time.time() % EVERY + 1,  # just after the next whole minute
        name=SUMMARIES,
        # a pass that takes longer than a minute (thousands of chats) is not run twice at once
        job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": EVERY},
    )
    queue.run_repeating(housekeeping, interval=3600, first=3600, name=HOUSEKEEPING)


async def housekeeping(context: BotContext) -> None:
    """Hourly: the inbox forgets the update ids handled more than two days ago."""
    await exactly_once.forget_old(context.db, context.now())


async def send_summaries(context: BotContext) -> None:
    """One pass; each summary is rendered once and its chart drawn and uploaded once, whatever the number
    of chats; a private chat gets a Mini App button to the live page, a group a link (with PUBLIC_URL).
    A batch that fails (a figure that cannot be rendered, a database error) is logged and the others go
    on; its chats stay due and are tried again at the next pass."""
    try:
        batches = await summaries.due(context.db, context.now())
    except Exception:
        log.exception("Could not work out which summaries are due; the pace reminders go on")
        batches = []
    for batch in batches:
        try:
            text = render.daily_summary(batch.summary, render.supporters_of_day(batch.supporters, batch.summary.final))
            picture = await photos.chart(context.bot_data, batch.chart)
            buttons = {
                private: live_page.button(context.settings, private, batch.summary.run) for private in (True, False)
            }
            messages = (Outgoing(chat_id, text, picture, buttons[chat_id > 0]) for chat_id in batch.chat_ids)
            tally = await delivery.deliver(context.application, messages, batch.key)
        except Exception:
            log.exception("The %s of day %s failed; the other summaries go on", batch.key.kind, batch.key.day)
            continue
        log.info("%s of day %s to %d chats: %s", batch.key.kind, batch.key.day, len(batch.chat_ids), dict(tally))
    try:
        await send_nudges(context)
    except Exception:
        log.exception("The pace reminders failed; they are tried again at the next pass")


async def send_nudges(context: BotContext) -> None:
    """The day's pace reminders, in the same pass as the summaries (at the default summary time)."""
    for due in await nudges.due(context.db, context.now(), context.settings.summary_time):
        messages = (Outgoing(b.user_id, render.nudge(b, due.run, due.key.day)) for b in due.behind)
        tally = await delivery.deliver(context.application, messages, due.key)
        if Outcome.FAILED not in tally:  # else the next pass tries again what may be retried
            await nudges.day_done(context.db, due.key, context.now())
        log.info("Nudges of %s, day %s, to %d supporters: %s", due.run.slug, due.key.day, len(due.behind), dict(tally))
