"""Settings: defaults, validation, and the one-line error with exit code 2."""

import subprocess
import sys

import pytest

from bot.ops.config import ConfigError, load_settings, parse_settings

TOKEN = "123456789:AAE-abcdefghijklmnopqrstuvwxyz012345"


def test_defaults():
    s = parse_settings({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert s.database_path == "data/bot.db"
    assert s.bot_api_base_url == "https://api.telegram.org"
    assert (s.default_timezone, s.log_level, s.admin_ids) == ("Asia/Kolkata", "INFO", frozenset())


def test_values():
    s = parse_settings(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "ADMIN_IDS": " 12, 34 ,",
            "DATABASE_URL": "sqlite:////tmp/x.db",
            "BOT_API_BASE_URL": "http://127.0.0.1:8081/",
            "DEFAULT_TIMEZONE": "Europe/London",
            "LOG_LEVEL": "debug",
        }
    )
    assert s.admin_ids == frozenset({12, 34})
    assert (s.database_path, s.bot_api_base_url) == ("/tmp/x.db", "http://127.0.0.1:8081")
    assert (s.default_timezone, s.log_level) == ("Europe/London", "DEBUG")


@pytest.mark.parametrize(
    ("values", "setting"),
    [
        ({"TELEGRAM_BOT_TOKEN": ""}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "abc"}, "TELEGRAM_BOT_TOKEN is malformed"),
        ({"ADMIN_IDS": "12,bob"}, "ADMIN_IDS is malformed"),
        ({"DEFAULT_TIMEZONE": "Mars/Base"}, "DEFAULT_TIMEZONE"),
        ({"DATABASE_URL": "postgres://x"}, "DATABASE_URL is not supported"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"BOT_API_BASE_URL": "ftp://x"}, "BOT_API_BASE_URL is malformed"),
    ],
)
def test_bad_settings_name_the_setting(values, setting):
    with pytest.raises(ConfigError, match=setting):
        parse_settings({"TELEGRAM_BOT_TOKEN": TOKEN, **values})


def test_dotenv_file_below_the_environment(tmp_path):
    env = tmp_path / ".env"
    env.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nLOG_LEVEL=WARNING\nADMIN_IDS=5\n")
    s = load_settings({"ADMIN_IDS": "7"}, env_file=env)
    assert (s.token, s.log_level, s.admin_ids) == (TOKEN, "WARNING", frozenset({7}))


@pytest.mark.parametrize(
    ("env", "message"),
    [({}, "TELEGRAM_BOT_TOKEN is not set"), ({"TELEGRAM_BOT_TOKEN": TOKEN, "ADMIN_IDS": "x"}, "ADMIN_IDS")],
)
def test_python_m_bot_with_bad_settings_prints_one_line_and_exits_2(tmp_path, env, message):
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("digits", [ARABIC_INDIC, FULLWIDTH], ids=["arabic-indic", "fullwidth"])
def test_a_token_whose_digits_only_look_ascii_is_refused_without_showing_it(digits):
    bot_id, secret = TOKEN.split(":")
    lookalike = f"{bot_id.translate(digits)}:{secret}"
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN must be plain ASCII") as refused:
        parse_settings({"TELEGRAM_BOT_TOKEN": lookalike})
    assert secret not in str(refused.value) and bot_id.translate(digits) not in str(refused.value)


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("ADMIN_IDS", "١٢٣٤٥"),
        ("WEB_PORT", "８０８０"),
        ("DATABASE_URL", "sqlite:///data/bøt.db"),
        ("DEFAULT_TIMEZONE", "Asia/Kolkata\u200b"),
        ("SUMMARY_TIME", "٢١:٠٠"),
        ("LOG_LEVEL", "INFO\u00a0"),
        ("WEB_HOST", "１２７.0.0.1"),
        ("PUBLIC_URL", "https://exаmple.org/"),  # a Cyrillic а
    ],
)
def test_every_setting_must_be_ascii(setting, value):
    with pytest.raises(ConfigError, match=f"{setting} must be plain ASCII"):
        parse_settings({"TELEGRAM_BOT_TOKEN": TOKEN, setting: value})


@pytest.mark.parametrize(
    "zone", ["A" * 300, "Asia/" + "x" * 5000, "Asia", "Asia/../Asia/Kolkata", "Asia/Kol\x00kata", "/etc/localtime"]
)
def test_a_time_zone_unreadable_for_any_reason_is_a_config_error(zone):
    with pytest.raises(ConfigError, match="DEFAULT_TIMEZONE is not a known IANA time zone") as refused:
        parse_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "DEFAULT_TIMEZONE": zone})
    assert len(str(refused.value)) < 200


def test_python_m_bot_with_a_time_zone_too_long_for_the_file_system_exits_2_in_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": TOKEN, "DEFAULT_TIMEZONE": "A" * 300},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, "Traceback" in done.stderr) == (2, False)
    assert "DEFAULT_TIMEZONE is not a known IANA time zone" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
