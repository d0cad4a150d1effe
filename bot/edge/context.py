"""The handlers' context: the services the application holds under constant keys."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from bot.edge.handled import ExactlyOnce
from bot.ops.config import Settings
from storage.db import Database

DB = "db"
SETTINGS = "settings"
CLOCK = "clock"
HANDLED = "handled_update_ids"


def system_clock() -> datetime:
    return datetime.now(UTC)


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's context, knowing which update it serves: its `db` commits that update's handled mark
    with the handler's writes (bot.edge.exactly_once)."""

    update_id: int | None = None

    @classmethod
    def from_update(cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]) -> BotContext:
        context = super().from_update(update, application)
        if isinstance(update, Update):
            context.update_id = update.update_id
        return context

    @property
    def db(self) -> Database:
        db: Database = self.bot_data[DB]
        once: ExactlyOnce | None = self.bot_data.get(HANDLED)
        if self.update_id is None or once is None:
            return db
        return db.with_marks(once.marks_of(self.update_id))

    @property
    def settings(self) -> Settings:
        settings: Settings = self.bot_data[SETTINGS]
        return settings

    def now(self) -> datetime:
        clock: Callable[[], datetime] = self.bot_data[CLOCK]
        return clock()


BotApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
