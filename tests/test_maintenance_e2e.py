"""`python -m bot check`, `backup` and `restore` as real processes beside `python -m bot`, against the
fake Bot API server of test_e2e.py (real HTTP to 127.0.0.1)."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ASHA, ORGANISER, RAVI, UNITY_RUN
from tests.test_e2e import PATIENCE, BotProcess

pytestmark = pytest.mark.e2e

WRONG_TOKEN = "7000000001:AAWrongTokenWrongTokenWrongToken000"


def command(bot: BotProcess, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=bot.folder, env={**bot.env, **env},
        capture_output=True, text=True, timeout=PATIENCE,
    )  # fmt: skip


def pledgers(db: Path) -> list[int]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return [row[0] for row in conn.execute("SELECT user_id FROM pledges ORDER BY user_id")]


def test_check_and_backup_beside_the_running_bot_then_a_restore_once_it_stopped(telegram, bot, tmp_path):
    bot.start()
    assert "New run" in telegram.say(bot, ORGANISER, UNITY_RUN)
    assert "You pledged 20.8 km" in telegram.say(bot, ASHA, "/pledge")

    checked = command(bot, "check")
    assert (checked.returncode, checked.stderr) == (0, "")
    assert "telegram: token valid, the bot is @UnityRunBot (id 7000000001)" in checked.stdout
    assert "runs 1, runners 0, updates 0, pledges 1, logs 0, subscriptions 0" in checked.stdout

    backup = tmp_path / "backups" / "before-ravi.db"
    backed_up = command(bot, "backup", str(backup))
    assert backed_up.returncode == 0, backed_up.stderr
    assert f"to {backup}: " in backed_up.stdout and "integrity_check ok" in backed_up.stdout
    assert "You pledged 41.6 km" in telegram.say(bot, RAVI, "/pledge 10%")  # the bot still runs and writes
    assert bot.stop(signal.SIGTERM) == 0, bot.log_tail()
    assert pledgers(tmp_path / "bot.db") == [ASHA.id, RAVI.id]

    restored = command(bot, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert pledgers(tmp_path / "bot.db") == [ASHA.id]
    bot.start()
    assert "You have not pledged" in telegram.say(bot, RAVI, "/mypledge")
    assert bot.stop(signal.SIGTERM) == 0, bot.log_tail()


def test_check_with_a_token_telegram_refuses_exits_2_without_showing_it(telegram, bot):
    checked = command(bot, "check", TELEGRAM_BOT_TOKEN=WRONG_TOKEN)
    assert checked.returncode == 2
    assert checked.stderr == f"telegram: {telegram.base_url} refused the token (getMe: Unauthorized)\n"
    assert WRONG_TOKEN not in checked.stdout + checked.stderr
    assert "database: none yet at" in checked.stdout
