"""`python -m bot` as a real process against a fake Bot API server on 127.0.0.1.

The fake speaks Telegram's wire format (POST /bot<token>/<method>, form or JSON parameters,
`{"ok": true, "result": ...}`) and long-polls like Telegram: getUpdates returns the queued updates
from `offset` on and confirms every update before it. The bot is stopped with SIGTERM, killed with
SIGKILL in the middle of a burst, restarted on the same database; every update counts exactly once.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from bot.demo.play import plain
from bot.demo.simulator import FAKE_TOKEN, Call, Clock, FakeBotAPI, Person, Updates
from tests.conftest import ASHA, DAY1_MORNING, MILIND, ORGANISER, UNITY_RUN

pytestmark = pytest.mark.e2e

BATCH = 50  # at most this many updates per getUpdates, so a burst takes several confirmations
PATIENCE = 20.0  # seconds any one awaited condition may take before the test fails
BURST = 200
CLUB = {"id": -100777, "type": "supergroup", "title": "Runners of Surat"}
PROJECT = Path(__file__).resolve().parents[1]


class FakeTelegram:
    """The Bot API's HTTP side, in a thread. Replies are built as bot.demo.simulator.FakeBotAPI builds them."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.queued: list[dict] = []
        self.confirmed = 0  # updates with a smaller id are confirmed by the bot
        self.calls: list[Call] = []
        self.hold: Callable[[Call], bool] = lambda call: False  # keep the bot waiting for this call's answer
        self.held, self.release = 0, threading.Event()
        self.updates = Updates(Clock(DAY1_MORNING))
        self._results = FakeBotAPI()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        telegram = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                token, _, method = self.path.removeprefix("/bot").partition("/")
                if token != FAKE_TOKEN:
                    self._send(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                    return
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    params = json.loads(body or "{}")
                else:
                    params = dict(parse_qsl(body))
                self._send(200, {"ok": True, "result": telegram.answer(Call(method, params))})

            def _send(self, status: int, answer: dict) -> None:
                data = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the bot was killed while waiting

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def answer(self, call: Call):
        if call.method == "getUpdates":
            return self._get_updates(call.params)
        with self.changed:
            self.calls.append(call)
            self.changed.notify_all()
        if self.hold(call):
            with self.changed:
                self.held += 1
                self.changed.notify_all()
            self.release.wait(PATIENCE)
        return self._results._result(call)

    def _get_updates(self, params: dict) -> list[dict]:
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        with self.changed:
            self.confirmed = max(self.confirmed, offset)
            self.changed.notify_all()
            while True:
                ready = [u for u in self.queued if u["update_id"] >= self.confirmed]
                left = deadline - time.monotonic()
                if ready or left <= 0:
                    return ready[: min(limit, BATCH)]
                self.changed.wait(left)

    def push(self, update: dict) -> dict:
        with self.changed:
            self.queued.append(update)
            self.changed.notify_all()
        return update

    def wait(self, condition: Callable[[], bool], what: str, bot: BotProcess | None = None) -> None:
        deadline = time.monotonic() + PATIENCE
        with self.changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    log = bot.log_tail() if bot else ""
                    raise AssertionError(f"Timed out waiting until {what}\n{log}")
                self.changed.wait(min(left, 0.1))

    def say(self, bot: BotProcess, person: Person, text: str) -> str:
        """Send a message to the bot; the text of its reply."""
        before = len(self.calls)
        self.push(self.updates.text(person, text))
        replies = lambda: [plain(c.text) for c in self.calls[before:] if c.chat_id == person.id and c.text]  # noqa: E731
        self.wait(lambda: bool(replies()), f"the bot answered {text!r}", bot)
        return "\n".join(replies())

    def sent_to(self, chat_id: int) -> list[str]:
        return [c.text for c in self.calls if c.method in ("sendMessage", "sendPhoto") and c.chat_id == chat_id]


class BotProcess:
    """`python -m bot` in a temporary directory with no .env, configured by its environment."""

    def __init__(self, folder: Path, telegram: FakeTelegram) -> None:
        self.folder = folder
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PYTHONPATH": str(PROJECT),  # the bot without an install, too
            "TELEGRAM_BOT_TOKEN": FAKE_TOKEN,
            "ADMIN_IDS": str(ORGANISER.id),
            "DATABASE_URL": f"sqlite:///{folder / 'bot.db'}",
            "BOT_API_BASE_URL": telegram.base_url,  # the bot adds /bot<token>/<method>
            "LOG_LEVEL": "INFO",
        }
        self.runs = itertools.count(1)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = self.folder / f"bot-{next(self.runs)}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot"], cwd=self.folder, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"The bot did not stop within 10 s of {sig.name}\n{self.log_tail()}") from None

    def log_tail(self) -> str:
        return "bot log:\n" + "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])


def test_the_bot_process_survives_a_stop_and_a_kill_and_counts_every_update_once(telegram, bot, tmp_path):
    bot.start()
    assert "New run" in telegram.say(bot, ORGANISER, UNITY_RUN)
    token = telegram.say(bot, ORGANISER, "/invite lead").rsplit("start=", 1)[1].strip()
    assert "Welcome" in telegram.say(bot, MILIND, f"/start {token}")
    telegram.updates.clock.advance(hours=11)  # 17:30 in Mumbai on day 1
    assert "Posted 24 km for day 1" in telegram.say(bot, MILIND, "/update 24 Great start")
    assert "24 km of 416 km" in telegram.say(bot, ASHA, "/progress")
    assert "You pledged 41.6 km" in telegram.say(bot, ASHA, "/pledge 10%")

    assert bot.stop(signal.SIGTERM) == 0, bot.log_tail()
    bot.start()
    assert "24 km of 416 km" in telegram.say(bot, ASHA, "/progress")

    # The burst: 200 supporters log 1 km each, handled many at once; the last 15 write in a group,
    # whose updates are handled one after the other. Among them an organiser's /invite, a write that
    # a second run of its handler would repeat. The bot is killed while the invite's reply and the
    # group's first reply are on their way: the invite is stored, the group's later logs are stored
    # in the inbox and not handled yet.
    fans = [Person(10_000 + n, f"Fan{n}") for n in range(BURST)]
    in_group = BURST - 15
    logs = [telegram.updates.text(fan, "/log 1") for fan in fans[:130]]
    invite = telegram.updates.text(ORGANISER, "/invite companion")
    logs += [telegram.updates.text(fan, "/log 1") for fan in fans[130:in_group]]
    logs += [telegram.updates.text(fan, "/log 1", CLUB) for fan in fans[in_group:]]
    telegram.hold = lambda call: (
        call.chat_id == CLUB["id"] or (call.chat_id == ORGANISER.id and call.text.startswith("Invite for"))
    )
    for update in [*logs[:130], invite, *logs[130:]]:
        telegram.push(update)
    telegram.wait(lambda: telegram.held == 2, "the bot replies to the invite and in the group", bot)
    assert stored_logs(tmp_path) < BURST  # killed in the middle of the burst
    assert bot.stop(signal.SIGKILL) == -signal.SIGKILL
    telegram.hold = lambda call: False
    telegram.release.set()

    bot.start()
    telegram.wait(lambda: stored_logs(tmp_path) == BURST, "the bot stored the whole burst", bot)
    assert "24 km of 416 km" in telegram.say(bot, ASHA, "/progress")
    assert bot.stop(signal.SIGTERM) == 0, bot.log_tail()

    # Each answered once, but for the few whose write had committed and whose reply was on its
    # way when the process was killed: their km are stored (below), their reply is lost.
    answers = [len(telegram.sent_to(fan.id)) for fan in fans[:in_group]]
    assert set(answers) <= {0, 1} and answers.count(1) >= in_group - 16
    assert len(telegram.sent_to(CLUB["id"])) == BURST - in_group
    assert sum(text.startswith("Invite for") for text in telegram.sent_to(ORGANISER.id)) == 2  # lead, companion
    with contextlib.closing(sqlite3.connect(tmp_path / "bot.db")) as db:
        rows, messages, metres = db.execute(
            "SELECT COUNT(*), COUNT(DISTINCT chat_id || ':' || message_id), SUM(metres) FROM logs"
        ).fetchone()
        assert (rows, messages, metres) == (BURST, BURST, BURST * 1000)
        assert db.execute("SELECT logged_m FROM pledge_totals").fetchone() == (BURST * 1000,)
        assert db.execute("SELECT COUNT(*) FROM invites").fetchone() == (2,)
        ids = {row[0] for row in db.execute("SELECT update_id FROM inbox WHERE handled_at IS NOT NULL")}
    assert {u["update_id"] for u in [*logs, invite]} <= ids


def stored_logs(folder: Path) -> int:
    with contextlib.closing(sqlite3.connect(folder / "bot.db")) as db:
        return int(db.execute("SELECT COUNT(*) FROM logs").fetchone()[0])


def test_sigint_stops_the_bot_while_it_waits_for_updates(telegram, bot):
    bot.start()
    assert "There is no run yet" in telegram.say(bot, ASHA, "/progress")
    assert bot.stop(signal.SIGINT) == 0, bot.log_tail()
