"""What `python -m bot` checks before it polls, so that a fault at start ends in one clear line.

- The database: opened, migrated and written to once, before Telegram is asked anything. A file that
  is not SQLite, a read-only file or folder, a path that cannot be created, a database of a newer
  version of the bot: each is a `StartupError` whose text is the line to print.
- Telegram: `getMe` until it answers, with back-off and one log line per failed attempt; a token that
  Telegram rejects is a `StartupError` (PTB's own message for it quotes the token: never shown).
- The token in logs: `TokenRedactor` is a logging filter on the process's handlers that replaces the
  token in every record, from the bot or from the libraries under it (httpx logs URLs holding it).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import re
import sqlite3
from pathlib import Path

from telegram.error import InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from storage import schema
from storage.db import Database, NewerSchemaError

log = logging.getLogger(__name__)

FIRST_DELAY, MAX_DELAY = 1.0, 30.0  # seconds between getMe attempts, doubling
REDACTED = "<token>"


class StartupError(RuntimeError):
    """The bot cannot start (or go on); the text is the one line to print (no secret in it)."""

    def __init__(self, text: str, prefix: str = "Not started") -> None:
        super().__init__(text)
        self.prefix = prefix


async def check_database(path: str) -> None:
    """Open, migrate and write once to the database, then close it: a StartupError when it cannot be used."""
    try:
        db = await Database.open(path)
    except NewerSchemaError as exc:
        raise StartupError(f"Database refused: {exc}") from None
    except (sqlite3.Error, OSError) as exc:
        raise StartupError(f"Database {path} cannot be used: {_database_reason(exc)}") from None
    try:
        await db.transaction(schema.write_probe, changes=())
    except (sqlite3.Error, OSError) as exc:
        raise StartupError(f"Database {path} cannot be used: {_database_reason(exc)}") from None
    finally:
        with contextlib.suppress(sqlite3.Error, OSError):
            await db.close()


def _database_reason(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and "not a database" in text:
        return "it is not an SQLite database (file is not a database). Point DATABASE_URL at the bot's database"
    if "readonly" in text or "read-only" in text:
        return "it is read-only. The bot must be able to write the file and its folder"
    if "locked" in text:
        return "another program holds a lock on it (a sqlite3 shell, a copy in progress?): close it and start again"
    if "unable to open" in text:
        return "it cannot be opened or created there (does the folder exist, and may the bot write to it?)"
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc} ({exc.filename or 'its folder'})"
    return text


def folder_reason(database_path: str, exc: OSError) -> str:
    """The line for a database folder (or the lock file beside the database) that cannot be made."""
    folder = Path(database_path).parent
    if folder.is_dir() and not isinstance(exc, PermissionError):
        why = "the folder is read-only" if exc.errno in (errno.ENOENT, errno.EROFS, errno.EPERM) else exc.strerror
    elif isinstance(exc, PermissionError):
        why = "permission denied"
    else:
        why = exc.strerror or str(exc)
    return (
        f"the database's folder {folder} cannot be created or written ({why}: {exc.filename}). "
        "Fix DATABASE_URL, or let the bot's user write there"
    )


async def connect(app: Application, stop: asyncio.Event) -> bool:
    """Ask Telegram who the bot is until it answers: True once it did, False when stopped meanwhile.

    Network faults are retried with back-off, one warning per attempt; a rejected token is a StartupError."""
    delay, attempt = 0.0, 0
    while not stop.is_set():
        attempt += 1
        try:
            await app.bot.initialize()  # getMe; a no-op once it has succeeded
            return True
        except InvalidToken:
            raise StartupError(
                "Telegram rejected TELEGRAM_BOT_TOKEN (is it revoked, or mistyped?): get the current one "
                "from @BotFather (/mybots -> API Token)"
            ) from None
        except RetryAfter as exc:
            delay = max(float(_seconds(exc.retry_after)), FIRST_DELAY)
            reason = "Telegram asks to wait"
        except NetworkError as exc:  # TimedOut too
            delay = min(max(delay * 2, FIRST_DELAY), MAX_DELAY)
            reason = f"Telegram is unreachable ({exc.message})"
        except TelegramError as exc:
            raise StartupError(f"Telegram refused the bot's first request (getMe): {exc.message}") from None
        log.warning("%s, attempt %d; trying again in %.0f s", reason, attempt, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
    return False


def _seconds(value: object) -> float:
    total_seconds = getattr(value, "total_seconds", None)
    if callable(total_seconds):
        return float(total_seconds())
    return float(value) if isinstance(value, int | float) else FIRST_DELAY


class TokenRedactor(logging.Filter):
    """Replaces the token (and its secret half alone, as in a URL-quoted form) in every record it sees."""

    def __init__(self, token: str) -> None:
        super().__init__()
        secret = token.partition(":")[2]
        # any case: PTB lower-cases some errors' text (a BadRequest quoting the URL)
        self.secrets = [re.compile(re.escape(s), re.IGNORECASE) for s in (token, secret) if len(s) >= 8]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = secret.sub(REDACTED, text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: keep the raw parts
            message = f"{record.msg} {record.args}"
        record.msg, record.args = self.redact(message), None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = self.redact(record.exc_text or logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def redact_logs(token: str) -> TokenRedactor:
    """Put a TokenRedactor on every handler of the root logger (records of every logger pass them)."""
    redactor = TokenRedactor(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redactor)
    return redactor
