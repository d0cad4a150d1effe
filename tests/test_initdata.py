"""Telegram's signed Mini App init data: only a genuine, recent signature names the viewer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode

from bot.web.initdata import WebAppUser, sign_init_data, verify_init_data

TOKEN = "123456:AAE-test-token"
NOW = datetime(2021, 8, 18, 13, 12, tzinfo=UTC)
DAY = timedelta(hours=24)
ASHA = json.dumps({"id": 3001, "first_name": "Asha", "username": "asha_runs", "language_code": "en"})


def fields(auth_date: datetime = NOW - timedelta(minutes=5), user: str = ASHA) -> dict[str, str]:
    return {"query_id": "AAHdF6IQAAAAAN0XohDhrOrc", "user": user, "auth_date": str(int(auth_date.timestamp()))}


def test_telegram_style_init_data_names_the_user() -> None:
    init_data = sign_init_data(fields(), TOKEN)
    assert verify_init_data(init_data, TOKEN, NOW, DAY) == WebAppUser(3001, "Asha", None, "asha_runs", "en")


def test_the_check_string_is_built_as_documented() -> None:
    import hashlib
    import hmac

    data = fields()
    check = "\n".join(f"{k}={data[k]}" for k in sorted(data)).encode()
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    signed = urlencode({**data, "hash": hmac.new(secret, check, hashlib.sha256).hexdigest()})
    assert verify_init_data(signed, TOKEN, NOW, DAY) is not None


def test_keys_in_any_order_verify() -> None:
    pairs = parse_qsl(sign_init_data(fields(), TOKEN))
    assert verify_init_data(urlencode(list(reversed(pairs))), TOKEN, NOW, DAY) is not None


def test_a_changed_user_is_refused() -> None:
    pairs = dict(parse_qsl(sign_init_data(fields(), TOKEN)))
    pairs["user"] = json.dumps({"id": 1, "first_name": "Mallory"})
    assert verify_init_data(urlencode(pairs), TOKEN, NOW, DAY) is None


def test_another_bots_signature_is_refused() -> None:
    assert verify_init_data(sign_init_data(fields(), "999:OTHER"), TOKEN, NOW, DAY) is None


def test_stale_init_data_is_refused() -> None:
    old = sign_init_data(fields(auth_date=NOW - DAY - timedelta(seconds=1)), TOKEN)
    assert verify_init_data(old, TOKEN, NOW, DAY) is None
    assert verify_init_data(old, TOKEN, NOW, DAY * 2) is not None


def test_init_data_from_the_future_is_refused() -> None:
    future = sign_init_data(fields(auth_date=NOW + timedelta(hours=1)), TOKEN)
    assert verify_init_data(future, TOKEN, NOW, DAY) is None


def test_missing_or_broken_parts_are_refused() -> None:
    good = dict(parse_qsl(sign_init_data(fields(), TOKEN)))
    without_hash = {k: v for k, v in good.items() if k != "hash"}
    assert verify_init_data(urlencode(without_hash), TOKEN, NOW, DAY) is None
    assert verify_init_data(urlencode({**good, "hash": ""}), TOKEN, NOW, DAY) is None
    assert verify_init_data("", TOKEN, NOW, DAY) is None
    assert verify_init_data("not a query string", TOKEN, NOW, DAY) is None
    assert verify_init_data(urlencode(good) + "&hash=" + good["hash"], TOKEN, NOW, DAY) is None
    assert verify_init_data(urlencode(good), "", NOW, DAY) is None


def test_a_signed_but_unusable_user_is_refused() -> None:
    no_id, text_id = json.dumps({"first_name": "No id"}), json.dumps({"id": "3001", "first_name": "x"})
    unusable = ("not json", "[1, 2]", no_id, text_id)
    for user in unusable:
        assert verify_init_data(sign_init_data(fields(user=user), TOKEN), TOKEN, NOW, DAY) is None
    no_user = {k: v for k, v in fields().items() if k != "user"}
    assert verify_init_data(sign_init_data(no_user, TOKEN), TOKEN, NOW, DAY) is None
    no_date = {k: v for k, v in fields().items() if k != "auth_date"}
    assert verify_init_data(sign_init_data(no_date, TOKEN), TOKEN, NOW, DAY) is None
