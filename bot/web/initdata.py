"""Telegram Mini App init data: who opened the page, if Telegram signed it (pure).

Telegram hands the page `Telegram.WebApp.initData`, a query string signed with the bot token:
secret = HMAC-SHA256(key=b"WebAppData", msg=bot_token); hash = hex HMAC-SHA256(key=secret, msg=the
`key=value` pairs except `hash`, sorted by key, joined by "\\n"). Anything forged, stale or
malformed verifies to None: the caller then shows the public view only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

MAX_INIT_DATA = 4096  # Telegram's is a few hundred bytes; longer is not Telegram's
CLOCK_SKEW = timedelta(minutes=1)  # an auth_date this far in the future still counts


@dataclass(frozen=True)
class WebAppUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _check_string(fields: Mapping[str, str]) -> bytes:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash").encode()


def verify_init_data(init_data: str, bot_token: str, now: datetime, max_age: timedelta) -> WebAppUser | None:
    """The user Telegram vouches for, or None for forged, stale (older than max_age) or malformed data."""
    if not init_data or len(init_data) > MAX_INIT_DATA or not bot_token:
        return None
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    fields = dict(pairs)
    if len(fields) != len(pairs):  # a repeated key: which one did Telegram sign?
        return None
    given = fields.get("hash", "")
    expected = hmac.new(_secret(bot_token), _check_string(fields), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return None
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), UTC)
    except (KeyError, ValueError, OverflowError, OSError):
        return None
    if signed_at > now + CLOCK_SKEW or now - signed_at > max_age:
        return None
    return _user(fields.get("user"))


MAX_USER_ID = 2**53 - 1


def _user(text: str | None) -> WebAppUser | None:
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    user_id, first_name = data.get("id"), data.get("first_name")
    if not isinstance(user_id, int) or isinstance(user_id, bool) or not isinstance(first_name, str):
        return None
    if not 0 < user_id <= MAX_USER_ID:  # Telegram's user ids fit 52 bits; SQLite's integers 63
        return None

    def text_or_none(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    return WebAppUser(
        user_id, first_name, text_or_none("last_name"), text_or_none("username"), text_or_none("language_code")
    )


def sign_init_data(fields: Mapping[str, str], bot_token: str) -> str:
    """Init data signed as Telegram signs it: for tests and the demo, never for real users."""
    signed = dict(fields)
    signed.pop("hash", None)
    signed["hash"] = hmac.new(_secret(bot_token), _check_string(signed), hashlib.sha256).hexdigest()
    return urlencode(signed)
