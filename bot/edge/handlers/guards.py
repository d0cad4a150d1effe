"""Updates no command handler may take: forwarded messages, channel posts copied into their discussion
group, messages made through an inline bot (each is someone else's words, not a command of the one who
sent it on), commands addressed to another bot, and taps on buttons the bot no longer knows."""

from __future__ import annotations

import re

from telegram import Message, Update
from telegram.ext import filters

from bot.edge.context import BotContext

_ADDRESSED = re.compile(r"^/\w+@(\w+)")


class _ForAnotherBot(filters.MessageFilter):
    """A text or caption that starts with a command addressed to another bot (/route@OtherBot): CommandHandler
    leaves those alone in a text, but a caption (a photo's /update, a document's /route) or an edit reaches
    the handlers' own filters. Only /cmd and /cmd@ThisBot (any case, the username from getMe) may act."""

    def filter(self, message: Message) -> bool:
        addressed = _ADDRESSED.match(message.text or message.caption or "")
        return addressed is not None and addressed[1].casefold() != message.get_bot().username.casefold()


FOR_ANOTHER_BOT = _ForAnotherBot(name="FOR_ANOTHER_BOT")

# A forward (and an edit of one), a channel post Telegram forwards into the channel's discussion group,
# a message an inline bot wrote: matched first in the handlers' group, so no command handler sees them.
# A file forwarded in a private chat goes on to bot.edge.handlers.files, which tells a forward of one's own
# activity (kept) from someone else's (refused, with a reply). A command for another bot goes nowhere.
NOT_THEIR_OWN = (filters.FORWARDED | filters.IS_AUTOMATIC_FORWARD | filters.VIA_BOT) & ~(
    filters.FORWARDED & filters.Document.ALL & filters.ChatType.PRIVATE
) | FOR_ANOTHER_BOT
STALE_BUTTON = "This button no longer works."


async def ignore(update: Update, context: BotContext) -> None:
    """Nothing to do: the update is only marked handled."""


async def stale_button(update: Update, context: BotContext) -> None:
    """Any tap no other handler took (old, empty or forged data): answered, so the button stops spinning;
    nothing changes."""
    if update.callback_query is not None:
        await update.callback_query.answer(STALE_BUTTON)
