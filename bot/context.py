"""The handlers' context: the services the application holds under constant keys."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import Settings
from storage.db import Database

DB = "db"
SETTINGS = "settings"
CLOCK = "clock"
HANDLED = "handled_update_ids"


def system_clock() -> datetime:
    return datetime.now(UTC)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    @property
    def db(self) -> Database:
        return self.bot_data[DB]

    @property
    def settings(self) -> Settings:
        return self.bot_data[SETTINGS]

    def now(self) -> datetime:
        clock: Callable[[], datetime] = self.bot_data[CLOCK]
        return clock()


BotApplication = Application[ExtBot, BotContext, dict, dict, dict, object]
