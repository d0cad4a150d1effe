"""One bot per database: the lock a running bot holds, that a second instance and a restore run into."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.ops.instance_lock import AlreadyRunning, InstanceLock, holder, lock_path

REPO = Path(__file__).resolve().parents[1]
HOLD = (
    "import sys; from bot.ops.instance_lock import InstanceLock; lock = InstanceLock(sys.argv[1]).acquire(); "
    "print('held', flush=True); sys.stdin.read()"
)


def start_holder(db: Path) -> subprocess.Popen:
    """Another process that takes the lock and keeps it until killed."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_instance_is_refused_and_named(tmp_path):
    db = tmp_path / "bot.db"
    with InstanceLock(db), pytest.raises(AlreadyRunning) as refused:
        InstanceLock(db).acquire()
    assert str(refused.value) == f"the bot is running: process {os.getpid()} holds {db}.lock"


def test_the_lock_is_free_again_once_released(tmp_path):
    db = tmp_path / "data" / "bot.db"  # its folder does not exist yet, as before the first start
    first = InstanceLock(db).acquire()
    first.release()
    with InstanceLock(db) as second:
        assert second.held
    assert lock_path(db).read_text() == f"{os.getpid()}\n"


def test_a_killed_bot_leaves_no_stale_lock(tmp_path):
    db = tmp_path / "bot.db"
    proc = start_holder(db)
    try:
        with pytest.raises(AlreadyRunning) as refused:
            InstanceLock(db).acquire()
        assert refused.value.pid == proc.pid
        assert holder(db) == proc.pid
    finally:
        proc.kill()  # SIGKILL: no clean-up code runs in it
        proc.wait()
        proc.stdout.close()
        proc.stdin.close()
    assert holder(db) is None
    with InstanceLock(db) as lock:
        assert lock.held


def test_holder_reads_without_taking_or_rewriting_the_lock(tmp_path):
    db = tmp_path / "bot.db"
    assert holder(db) is None
    assert not lock_path(db).exists()  # asking creates nothing
    with InstanceLock(db):
        lock_path(db).write_text("4242\n")  # as if another process wrote its pid
        assert holder(db) == 4242
        assert lock_path(db).read_text() == "4242\n"


def test_an_in_memory_database_needs_no_lock(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with InstanceLock(":memory:"), InstanceLock(":memory:") as second:
        assert not second.held
    assert list(tmp_path.iterdir()) == []
