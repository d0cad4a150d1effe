"""Settings from the environment (and a `.env` file), validated once at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.domain.parsing import time_of_day
from bot.domain.time_zones import is_time_zone

TELEGRAM_API = "https://api.telegram.org"
TOKEN_PATTERN = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{30,100}$")
TOKEN_IN_TEXT = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{30,100}")
MAX_USER_ID = 2**53  # Telegram: user ids fit in 52 bits; group and channel ids are negative
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it and says why."""


@dataclass(frozen=True)
class Settings:
    token: str
    admin_ids: frozenset[int] = frozenset()
    database_path: str = "data/bot.db"
    bot_api_base_url: str = TELEGRAM_API
    default_timezone: str = "Asia/Kolkata"
    log_level: str = "INFO"
    summary_time: str = "21:00"  # HH:MM, the daily summary's default local time
    web_port: int | None = None  # the live page's port; None: no page
    web_host: str = "127.0.0.1"
    public_url: str | None = None  # the page's https address, for the buttons and the Mini App
    anyone_creates_runs: bool = False  # True: anyone may /newrun; False: only the operators (ADMIN_IDS)

    def is_operator(self, user_id: int | None) -> bool:
        """The bot's operators (ADMIN_IDS): they create runs and may organise any run (they host it)."""
        return user_id in self.admin_ids

    def may_create_runs(self, user_id: int | None) -> bool:
        return user_id is not None and (self.anyone_creates_runs or self.is_operator(user_id))


def load_settings(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> Settings:
    """Read settings from `environ` (default: the process), below them a `.env` file if present."""
    env_file = env_file if env_file is not None else Path(".env")
    values = env_file_values(env_file)
    values.update(os.environ if environ is None else environ)
    return parse_settings(values)


def env_file_values(env_file: Path) -> dict[str, str]:
    if not env_file.is_file():
        return {}
    try:
        return {k: v for k, v in dotenv_values(env_file, encoding="utf-8").items() if v is not None}
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{env_file} is not UTF-8 text (a byte at position {exc.start} is not): save it as UTF-8"
        ) from None
    except OSError as exc:
        raise ConfigError(f"{env_file} cannot be read: {exc.strerror}") from None


def parse_settings(values: Mapping[str, str]) -> Settings:
    def get(name: str, default: str = "") -> str:
        return _ascii(name, values.get(name) or default).strip()

    return Settings(
        token=_token(get("TELEGRAM_BOT_TOKEN")),
        admin_ids=_admin_ids(get("ADMIN_IDS")),
        database_path=_database_path(get("DATABASE_URL", "sqlite:///data/bot.db")),
        bot_api_base_url=_base_url(get("BOT_API_BASE_URL", TELEGRAM_API)),
        default_timezone=_timezone("DEFAULT_TIMEZONE", get("DEFAULT_TIMEZONE", "Asia/Kolkata")),
        log_level=_log_level(get("LOG_LEVEL", "INFO")),
        summary_time=_time_of_day("SUMMARY_TIME", get("SUMMARY_TIME", "21:00")),
        web_port=_port(get("WEB_PORT")),
        web_host=get("WEB_HOST", "127.0.0.1"),
        public_url=_public_url(get("PUBLIC_URL")),
        anyone_creates_runs=_yes_or_no("ANYONE_CREATES_RUNS", get("ANYONE_CREATES_RUNS", "no")),
    )


def _yes_or_no(name: str, text: str) -> bool:
    answers = {"yes": True, "true": True, "1": True, "no": False, "false": False, "0": False}
    if text.lower() not in answers:
        raise ConfigError(f"{name} must be yes or no, not {text!r}")
    return answers[text.lower()]


def _ascii(name: str, value: str) -> str:
    """Every setting is ASCII: digits that only look like 0-9 (Arabic-Indic, fullwidth) or a letter from
    another script pass a pattern's \\d or str.isdigit() and int(), and make a token or an id that is not the one
    meant. The value is never shown (it may be the token); the position of the first such character is."""
    if not value.isascii():
        at = next(i for i, c in enumerate(value) if not c.isascii()) + 1
        raise ConfigError(
            f"{name} must be plain ASCII text: character {at} is not (a digit or letter from another script?)."
            " Type it again with a plain keyboard layout"
        )
    return value


def _token(token: str) -> str:
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN is not set: get one from @BotFather (see README)")
    if not TOKEN_PATTERN.match(token):
        raise ConfigError("TELEGRAM_BOT_TOKEN is malformed: expected <digits>:<35 letters> from @BotFather")
    return token


def _admin_ids(text: str) -> frozenset[int]:
    ids = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        if not re.fullmatch(r"\d{1,19}", part) or not 0 < int(part) < MAX_USER_ID:
            raise ConfigError(
                f"ADMIN_IDS is malformed: {part!r} is not a Telegram user id (positive numbers: use 12345,67890)"
            )
        ids.add(int(part))
    return frozenset(ids)


def _database_path(url: str) -> str:
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ConfigError(
            f"DATABASE_URL is not supported: {url!r} (use sqlite:///relative/path.db, "
            "sqlite:////absolute/path.db or sqlite:///:memory:)"
        )
    path = url[len(prefix) :]
    if path != ":memory:" and ("?" in path or path.startswith("file:") or path.endswith("/")):
        raise ConfigError(
            f"DATABASE_URL is not supported: {url!r} (a file path, no query or URI options: sqlite:///data/bot.db)"
        )
    if path.startswith("~"):
        raise ConfigError(f"DATABASE_URL: {path!r} starts with ~, which is not expanded: give the whole path")
    if path != ":memory:" and Path(path).is_dir():
        raise ConfigError(
            f"DATABASE_URL names a folder, not a file: {path!r} (e.g. sqlite:///{path.rstrip('/')}/bot.db)"
        )
    if path != ":memory:" and Path(path).exists() and not Path(path).is_file():
        raise ConfigError(f"DATABASE_URL names {path!r}, which is not a regular file (a device or a pipe?)")
    return path


def _base_url(url: str) -> str:
    malformed = f"BOT_API_BASE_URL is malformed: {_shown(url)!r} (expected http(s)://host[:port])"
    if not re.match(r"^https?://[^\s/]+", url) or re.search(r"\s", url):
        raise ConfigError(malformed)
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when out of range
    except ValueError:
        raise ConfigError(malformed) from None
    if not parts.hostname or parts.query or parts.fragment or parts.username or port == 0:
        raise ConfigError(malformed)
    if re.search(r"/bot[^/]*$", parts.path.rstrip("/")) or TOKEN_IN_TEXT.search(url):
        raise ConfigError(
            "BOT_API_BASE_URL must be the server alone, without /bot or the token (e.g. http://host:8081)"
        )
    return url.rstrip("/")


def _shown(url: str) -> str:
    return TOKEN_IN_TEXT.sub("<token>", url)


def _timezone(name: str, zone: str) -> str:
    if not is_time_zone(zone):
        shown = zone if len(zone) <= 40 else zone[:39] + "…"
        raise ConfigError(f"{name} is not a known IANA time zone: {shown!r} (e.g. Asia/Kolkata)")
    return zone


def _time_of_day(name: str, text: str) -> str:
    value = time_of_day(text)
    if value is None:
        raise ConfigError(f"{name} must be a time of day as HH:MM (00:00 to 23:59), not {text!r}")
    return value


def _log_level(level: str) -> str:
    if level.upper() not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    return level.upper()


def _port(text: str) -> int | None:
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ConfigError(f"WEB_PORT must be a TCP port number (1 to 65535), not {text!r}")
    return int(text)


def _public_url(url: str) -> str | None:
    if not url:
        return None
    if re.match(r"^https://[^\s/?#]+(/[^\s?#]*)?[?#]", url):
        raise ConfigError(
            f"PUBLIC_URL must be the page's address without a query (?...) or a fragment (#...): Telegram adds its own"
            f" to a Mini App's address. Not {url!r}"
        )
    if not re.match(r"^https://[^\s/?#]+(/[^\s?#]*)?$", url):
        raise ConfigError(f"PUBLIC_URL must be the page's https:// address (Telegram opens only https), not {url!r}")
    return url.rstrip("/") + "/"
