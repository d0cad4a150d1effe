"""`python -m bot` at start: each fault ends in one clear line on stderr and exit code 2, within seconds;
a token Telegram rejects is never printed; an unreachable Telegram is retried, one line per attempt."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.demo.simulator import FAKE_TOKEN, bot_user
from bot.ops.startup import redact_logs
from tests.conftest import ASHA
from tests.test_e2e import FakeTelegram

PROJECT = Path(__file__).resolve().parents[1]
QUICK = 15  # seconds: a fault at start is reported long before this
OTHER_TOKEN = "7654321:AAOtherTokenThatTelegramDoesNotKnow00000"


def environment(folder: Path, **settings: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(PROJECT),
        "TELEGRAM_BOT_TOKEN": FAKE_TOKEN,
        "DATABASE_URL": f"sqlite:///{folder / 'bot.db'}",
        "BOT_API_BASE_URL": "http://127.0.0.1:9",  # nothing listens: only reached when the checks pass
        "LOG_LEVEL": "INFO",
    }
    env.update(settings)
    return env


def start_bot(folder: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot"],
        cwd=folder,
        env=environment(folder, **settings),
        capture_output=True,
        text=True,
        timeout=QUICK,
    )


def assert_one_line_refusal(done: subprocess.CompletedProcess[str], *words: str) -> str:
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, done.stderr  # one line: no traceback
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` made read-only, also for root (who ignores permission bits: then the immutable attribute)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            path.chmod(mode)


def database(path: Path, user_version: int = 0) -> Path:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS t (x)")
        conn.execute(f"PRAGMA user_version = {user_version}")
        conn.commit()
    return path


def test_a_file_that_is_not_sqlite_is_refused_in_one_line(tmp_path):
    (tmp_path / "bot.db").write_text("these are my notes, not a database\n" * 50)
    line = assert_one_line_refusal(start_bot(tmp_path), "not an SQLite database", "bot.db")
    assert line.startswith("Not started:")


def test_a_read_only_database_file_is_refused(tmp_path):
    path = database(tmp_path / "bot.db")
    with read_only(path):
        assert_one_line_refusal(start_bot(tmp_path), "read-only")


def test_a_database_in_a_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "state"
    folder.mkdir()
    database(folder / "bot.db")
    with read_only(folder):
        assert_one_line_refusal(start_bot(tmp_path, DATABASE_URL=f"sqlite:///{folder / 'bot.db'}"), "state")


def test_a_path_that_cannot_be_created_is_refused(tmp_path):
    (tmp_path / "afile").write_text("x")
    done = start_bot(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'afile' / 'data' / 'bot.db'}")
    assert_one_line_refusal(done, "cannot be created")


def test_a_folder_given_as_the_database_is_refused(tmp_path):
    assert_one_line_refusal(start_bot(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}"), "DATABASE_URL", "folder")


def test_a_database_of_a_newer_version_is_refused_and_left_as_it_was(tmp_path):
    path = database(tmp_path / "bot.db", user_version=999)
    assert_one_line_refusal(start_bot(tmp_path), "newer version of the bot", "999")
    with contextlib.closing(sqlite3.connect(path)) as conn:  # no migration ran on it
        assert conn.execute("PRAGMA user_version").fetchone() == (999,)
        assert [row[0] for row in conn.execute("SELECT name FROM sqlite_master")] == ["t"]


def test_a_dotenv_that_is_not_utf8_is_refused(tmp_path):
    (tmp_path / ".env").write_bytes("ADMIN_IDS=1\nTELEGRAM_BOT_TOKEN=caf\xe9\n".encode("latin-1"))
    env = environment(tmp_path)
    del env["TELEGRAM_BOT_TOKEN"]
    done = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=QUICK
    )
    assert_one_line_refusal(done, ".env", "UTF-8")


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("ADMIN_IDS", "-1001234567890", "ADMIN_IDS"),  # a group's id, not a person's
        ("ADMIN_IDS", "0", "ADMIN_IDS"),
        ("ADMIN_IDS", "99999999999999999999", "ADMIN_IDS"),
        ("BOT_API_BASE_URL", "http://127.0.0.1:99999", "BOT_API_BASE_URL"),
        ("BOT_API_BASE_URL", f"https://api.telegram.org/bot{FAKE_TOKEN}", "BOT_API_BASE_URL"),
        ("BOT_API_BASE_URL", "http://exa mple.org", "BOT_API_BASE_URL"),
        ("DATABASE_URL", "sqlite:///bot.db?mode=ro", "DATABASE_URL"),
        ("DATABASE_URL", "sqlite:////dev/null", "not a regular file"),
        ("DEFAULT_TIMEZONE", "../../etc/passwd", "DEFAULT_TIMEZONE"),
        ("SUMMARY_TIME", "24:00", "SUMMARY_TIME"),
        ("TELEGRAM_BOT_TOKEN", "123:abc", "TELEGRAM_BOT_TOKEN"),
    ],
)
def test_settings_that_only_look_valid_are_refused(tmp_path, name, value, named):
    line = assert_one_line_refusal(start_bot(tmp_path, **{name: value}), named)
    assert FAKE_TOKEN not in line and FAKE_TOKEN.split(":")[1] not in line


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram()
    yield fake
    fake.close()


def test_a_token_telegram_rejects_ends_in_one_line_without_the_token(tmp_path, telegram):
    done = start_bot(tmp_path, TELEGRAM_BOT_TOKEN=OTHER_TOKEN, BOT_API_BASE_URL=telegram.base_url, LOG_LEVEL="WARNING")
    line = assert_one_line_refusal(done, "rejected", "TELEGRAM_BOT_TOKEN")
    assert OTHER_TOKEN.split(":")[1] not in done.stderr + done.stdout
    assert "@BotFather" in line


def test_an_unreachable_telegram_is_retried_one_line_per_attempt_and_a_stop_ends_it(tmp_path):
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=tmp_path, env=environment(tmp_path, LOG_LEVEL="INFO"),
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + QUICK
        while log.read_text().count("Telegram is unreachable") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=QUICK) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    attempts = [line for line in log.read_text().splitlines() if "Telegram is unreachable" in line]
    assert len(attempts) >= 2
    assert "attempt 1;" in attempts[0] and "attempt 2;" in attempts[1]
    assert "trying again in 1 s" in attempts[0] and "trying again in 2 s" in attempts[1]  # backing off
    assert "Traceback" not in log.read_text()


def started_bot(tmp_path, telegram, **settings: str) -> tuple[Path, subprocess.Popen]:
    """`python -m bot` against the fake Telegram, its output in bot.log; once it has started polling."""
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot"], cwd=tmp_path,
            env=environment(tmp_path, BOT_API_BASE_URL=telegram.base_url, **settings),
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    telegram.wait(lambda: any(c.method == "deleteWebhook" for c in telegram.calls), "the bot started")
    return log, process


def test_the_token_appears_in_no_log_line_at_debug(tmp_path, telegram):
    log, process = started_bot(tmp_path, telegram, LOG_LEVEL="DEBUG")
    try:
        time.sleep(0.5)  # a getUpdates or two
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=QUICK) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text()
    assert "getMe" in text  # DEBUG lines were written
    assert FAKE_TOKEN.split(":")[1] not in text


def test_the_redacting_filter_covers_library_loggers_arguments_and_tracebacks():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    level = logging.getLogger("httpx").level
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    redactor = redact_logs(FAKE_TOKEN)
    try:
        url = f"https://api.telegram.org/bot{FAKE_TOKEN}/getUpdates"
        logging.getLogger("httpx").info('HTTP Request: POST %s "HTTP/1.1 200 OK"', url)
        logging.getLogger("httpx").debug("quoted: %s", url.replace(":", "%3A"))
        try:
            raise RuntimeError(f"failed at {url}")
        except RuntimeError:
            logging.getLogger("telegram.ext").exception("boom")
    finally:
        root.removeHandler(handler)
        handler.removeFilter(redactor)
        logging.getLogger("httpx").setLevel(level)
    text = stream.getvalue()
    assert "HTTP Request: POST https://api.telegram.org/bot<token>/getUpdates" in text
    assert "failed at https://api.telegram.org/bot<token>/getUpdates" in text  # the traceback too
    assert FAKE_TOKEN.split(":")[1] not in text


def test_a_tilde_path_is_refused_not_made_into_a_folder_named_tilde(tmp_path):
    assert_one_line_refusal(start_bot(tmp_path, DATABASE_URL="sqlite:///~/bot.db"), "DATABASE_URL", "~")
    assert not (tmp_path / "~").exists()


def test_the_demo_on_a_file_that_is_not_a_database_says_so_in_one_line(tmp_path):
    (tmp_path / "notes.db").write_text("not a database\n" * 20)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--quiet", "--db", str(tmp_path / "notes.db")],
        cwd=tmp_path, env=environment(tmp_path), capture_output=True, text=True, timeout=QUICK,
    )  # fmt: skip
    assert_one_line_refusal(done, "Demo not started", "notes.db")


def test_a_token_revoked_while_running_stops_the_bot_in_one_line(tmp_path, telegram, monkeypatch):
    log, process = started_bot(tmp_path, telegram, LOG_LEVEL="WARNING")
    try:
        monkeypatch.setattr("tests.test_e2e.FAKE_TOKEN", OTHER_TOKEN)  # the fake now refuses the bot's token
        telegram.push(telegram.updates.text(ASHA, "/progress"))  # ends the getUpdates in hand
        assert process.wait(timeout=QUICK) == 2
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    text = log.read_text()
    assert text.strip().splitlines()[-1].startswith("Stopped: Telegram no longer accepts TELEGRAM_BOT_TOKEN")
    assert "Traceback" not in text and FAKE_TOKEN.split(":")[1] not in text


@pytest.mark.parametrize("command", [["check"], ["backup", "copy.db"], ["restore", "copy.db"]])
def test_the_maintenance_commands_refuse_a_dotenv_that_is_not_utf8_in_one_line(tmp_path, command):
    (tmp_path / ".env").write_bytes("TELEGRAM_BOT_TOKEN=caf\xe9\n".encode("latin-1"))
    env = environment(tmp_path)
    del env["TELEGRAM_BOT_TOKEN"]
    done = subprocess.run(
        [sys.executable, "-m", "bot", *command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=QUICK
    )
    assert_one_line_refusal(done, ".env is not UTF-8")


class EchoingTelegram(ThreadingHTTPServer):
    """A Bot API that takes the bot's start and then answers getUpdates with an error quoting the token."""

    def __init__(self, status: int) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                method = self.path.rsplit("/", 1)[-1]
                if method == "getUpdates":
                    body = {"ok": False, "error_code": status, "description": f"Bad Request: {self.path}"}
                    self.reply(status, body)
                    return
                self.reply(200, {"ok": True, "result": bot_user() if method == "getMe" else True})

            def reply(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        self.daemon_threads = True
        threading.Thread(target=self.serve_forever, daemon=True).start()
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"


def test_an_unexpected_error_is_logged_through_the_filter_and_never_shows_the_token(tmp_path):
    server = EchoingTelegram(403)  # Forbidden: not a network fault, so not retried
    try:
        done = start_bot(tmp_path, BOT_API_BASE_URL=server.base_url, LOG_LEVEL="WARNING")
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 1, done.stderr
    assert "The bot stopped on an unexpected error" in done.stderr
    assert "/bot<token>/getupdates" in done.stderr.lower()  # the error, its token taken out
    assert FAKE_TOKEN.split(":")[1].lower() not in (done.stderr + done.stdout).lower()


def test_a_token_quoted_in_lower_case_by_a_retried_error_is_redacted_too(tmp_path):
    server = EchoingTelegram(400)  # BadRequest: PTB lower-cases its text, and polling retries it
    log = tmp_path / "bot.log"
    try:
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=tmp_path,
                env=environment(tmp_path, BOT_API_BASE_URL=server.base_url, LOG_LEVEL="WARNING"),
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + QUICK
        while "getUpdates failed" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=QUICK) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        server.shutdown()
        server.server_close()
    text = log.read_text()
    assert "getUpdates failed" in text and "/bot<token>/getupdates" in text
    assert FAKE_TOKEN.split(":")[1].lower() not in text.lower()


def test_a_database_locked_by_another_program_is_refused_within_seconds(tmp_path):
    path = database(tmp_path / "bot.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert_one_line_refusal(start_bot(tmp_path), "another program holds a lock on it")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
