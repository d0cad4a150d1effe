"""The applications the bench drives: the real bot (bot/edge/app.py) and the bare PTB floor, both with a
BenchBotAPI at the request layer, set up the way `run_polling` (and bot.demo.simulator.Simulator) would."""

from __future__ import annotations

from pathlib import Path

from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, MessageHandler, filters

from bench.fakes import BenchBotAPI
from bot.demo.simulator import FAKE_TOKEN, Clock, Params, Person, Simulator

ORGANISER = Person(1001, "Priya", "Organiser", "priya_org")
MILIND = Person(2001, "Milind", "Soman", "milindrunning")
ANKITA = Person(2002, "Ankita", "Konwar")
FLOOR_TEXT = "Thanks, noted."


def unlimited() -> AIORateLimiter:
    """The application's rate limiter with Telegram's limits lifted: its bookkeeping stays, the waits go."""
    return AIORateLimiter(overall_max_rate=0, group_max_rate=0, max_retries=3)


class BotHarness(Simulator):
    """`async with BotHarness(path, clock) as bot:` the real application, initialised, on that database,
    behind a Bot API fake that counts rather than keeps every call."""

    def __init__(self, database: str | Path, clock: Clock, record: bool = True) -> None:
        api = BenchBotAPI(record=record, clock=clock)
        super().__init__(database, frozenset({ORGANISER.id}), clock=clock, rate_limiter=unlimited(), api=api)
        self.bench_api = api

    async def say(self, person: Person, text: str, chat: Params | None = None) -> str:
        """Send a text message; the bot's replies, joined."""
        before = len(self.bench_api.sent_log)
        await self.app.process_update(Update.de_json(self.updates.text(person, text, chat), self.app.bot))
        return "\n".join(text for _, _, text in self.bench_api.sent_log[before:])


class BareHarness:
    """The floor: a bare PTB Application whose one handler replies a fixed text to any command."""

    def __init__(self, clock: Clock) -> None:
        self.api = BenchBotAPI(record=True, clock=clock)
        self.app = ApplicationBuilder().token(FAKE_TOKEN).request(self.api).get_updates_request(self.api).build()
        self.app.add_handler(MessageHandler(filters.COMMAND, _floor_reply))

    async def __aenter__(self) -> BareHarness:
        await self.app.initialize()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.app.shutdown()


async def _floor_reply(update: Update, context: object) -> None:
    if update.effective_message:
        await update.effective_message.reply_text(FLOOR_TEXT)
