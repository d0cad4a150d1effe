"""One `python -m bot` per database, as real processes: a second instance refuses to start, and so does
`python -m bot restore`, while the first runs. Needs `python -m bot` to hold bot.ops.instance_lock.InstanceLock
on its database for its whole life (bot/__main__.py run())."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from tests.conftest import ASHA
from tests.test_e2e import PATIENCE

pytestmark = pytest.mark.e2e


def test_a_second_bot_and_a_restore_refuse_while_the_bot_runs(telegram, bot, tmp_path):
    bot.start()
    assert "There is no run yet" in telegram.say(bot, ASHA, "/progress")
    backup = tmp_path / "copy.db"
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "bot", *args], cwd=tmp_path, env=bot.env, capture_output=True, text=True,
        timeout=PATIENCE,
    )  # fmt: skip
    assert run("backup", str(backup)).returncode == 0

    second = run("run")
    assert second.returncode == 2
    assert f"the bot is running: process {bot.process.pid} holds {tmp_path / 'bot.db'}.lock" in second.stderr
    restored = run("restore", str(backup))
    assert restored.returncode == 1
    assert f"Restore refused: the bot is running: process {bot.process.pid}" in restored.stderr

    assert bot.stop(signal.SIGKILL) == -signal.SIGKILL  # the kernel drops the lock of a killed process
    assert run("restore", str(backup)).returncode == 0
