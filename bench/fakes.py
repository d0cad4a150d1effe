"""The Bot API the bench talks to: answers instantly, counts what was sent, keeps nothing it need not.

`BenchBotAPI` is the request layer (like bot.demo.simulator.FakeBotAPI, whose answers it reuses) for the
in-process sections; `FakeBotServer` is a tiny HTTP server on 127.0.0.1 for the start-up section.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import RequestData

from bot.demo.simulator import Call, FakeBotAPI

SENDS = ("sendMessage", "sendPhoto")
PREFIX = 12  # characters of a sent text that `prefixes` counts by


def prefix_of(text: str) -> str:
    return text[:PREFIX]


class BenchBotAPI(FakeBotAPI):
    """Counts calls by method. With `record`, keeps (method, chat id, text) of each send, in order;
    without, only how many sends began with each of a few prefixes (for 100,000 messages)."""

    def __init__(self, record: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.record = record
        self.methods: Counter[str] = Counter()
        self.sent_log: list[tuple[str, int | None, str]] = []
        self.prefixes: Counter[str] = Counter()
        self.uploads = 0  # requests that carried a file's bytes (multipart): a photo sent by file id is none

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        self.methods[api_method] += 1
        params: dict[str, Any] = dict(request_data.parameters) if request_data else {}
        if request_data is not None and request_data.multipart_data:
            self.uploads += 1
        if api_method in SENDS:
            text = str(params.get("text") or params.get("caption") or "")
            if self.record:
                chat_id = params.get("chat_id")
                self.sent_log.append((api_method, int(chat_id) if chat_id is not None else None, text))
            else:
                self.prefixes[text[:PREFIX]] += 1
        return 200, json.dumps({"ok": True, "result": self._result(Call(api_method, params))}).encode()

    def sends(self) -> int:
        return sum(self.methods[m] for m in SENDS)

    def reset(self) -> None:
        self.methods.clear()
        self.sent_log.clear()
        self.prefixes.clear()
        self.uploads = 0


class FakeBotServer:
    """The Bot API over HTTP on 127.0.0.1 (real wire format), for a `python -m bot` process.

    Notes when the first getUpdates arrives; holds each getUpdates a little (like long polling) and
    answers it with no updates."""

    def __init__(self, hold: float = 0.5) -> None:
        self.hold = hold
        self.first_get_updates: float | None = None
        self.got_updates = threading.Event()
        self.methods: Counter[str] = Counter()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                method = self.path.rsplit("/", 1)[-1]
                server.methods[method] += 1
                if method == "getUpdates":
                    if server.first_get_updates is None:
                        server.first_get_updates = time.perf_counter()
                        server.got_updates.set()
                    time.sleep(server.hold)
                body = json.dumps({"ok": True, "result": _wire_result(method)}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the bot stopped while its getUpdates was held

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def reset(self) -> None:
        self.first_get_updates = None
        self.got_updates.clear()
        self.methods.clear()

    def __enter__(self) -> FakeBotServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _wire_result(method: str) -> Any:
    if method == "getMe":
        return {
            "id": 123456,
            "is_bot": True,
            "first_name": "Bench",
            "username": "BenchBot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
    if method == "getUpdates":
        return []
    if method == "getMyCommands":
        return []
    return True
