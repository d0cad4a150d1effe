"""`python -m bench.idle_connections [--connections 1000] [--nofile 1024] [--hold 12] [--server-file PATH]`

The live page's server under idle connections, as the systemd unit runs it: the sample page served
by bot.web.server in a child process whose open-file limit is --nofile (the unit's LimitNOFILE),
then --connections TCP connections to it from this process that send nothing, held --hold seconds.
127.0.0.1 only; bounded in time (about --hold + 15 s) and in count.

Prints the server's CPU use while they are held, the lines (and bytes) it logged, what a normal
`GET /` got 2 s after they opened and again once they are closed, the server's open files, and
how the idle connections stood 2 s in and at the end (still open, answered 503, closed).
`--server-file` serves another copy of bot/web/server.py instead
(`git show HEAD:bot/web/server.py > /tmp/old.py`: the figures before a change).
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import http.client
import importlib.util
import logging
import os
import resource
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MAX_CONNECTIONS = 5000  # a bench, not a load generator
# `python -m bot demo --serve` holds 17 files (the database thrice, fonts, the loop's own); the bot adds
# its connections to Telegram and a backup's copy: 40 stands for them.
BOT_FDS = 40


def _serve(nofile: int, bot_fds: int, server_file: str | None) -> None:
    """The child: the sample page on 127.0.0.1, an ephemeral port printed on stdout, until stdin closes."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))  # as systemd's LimitNOFILE= sets both
    held = [os.open(os.devnull, os.O_RDONLY) for _ in range(bot_fds)]  # the bot's database, Telegram, fonts
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    if server_file:  # another copy, in bot.web.server's place
        spec = importlib.util.spec_from_file_location("bot.web.server", server_file)
        assert spec is not None and spec.loader is not None
        copy = importlib.util.module_from_spec(spec)
        sys.modules["bot.web.server"] = copy
        spec.loader.exec_module(copy)
        setattr(copy, "STATIC", REPO / "bot" / "web" / "static")  # noqa: B010 (its page and script: ours)
    from bot.web import server as server_module
    from bot.web.sample import SamplePageSource

    async def main() -> None:
        web = await server_module.serve(server_module.create_web_app(SamplePageSource()), "127.0.0.1", 0)
        print(web.port, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await web.stop()

    asyncio.run(main())
    for fd in held:
        os.close(fd)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _get(port: int, timeout_s: float = 5.0) -> str:
    """A normal request for the page: its status and time, or what went wrong."""
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    try:
        conn.request("GET", "/")
        response = conn.getresponse()
        body = response.read()
        retry = response.getheader("Retry-After")
        extra = f", Retry-After {retry}, body {body[:60]!r}" if response.status != 200 else ""
        return f"{response.status} in {time.monotonic() - started:.3f} s{extra}"
    except (OSError, http.client.HTTPException) as exc:
        return f"no answer after {time.monotonic() - started:.1f} s ({type(exc).__name__}: {exc})"
    finally:
        conn.close()


class _LogCounter(threading.Thread):
    """Reads the child's stderr as it comes (nothing on disk), counting lines and bytes."""

    def __init__(self, stream: Any) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.lines = 0
        self.bytes = 0
        self.first: list[str] = []

    def run(self) -> None:
        while chunk := self.stream.read1(65536):
            self.lines += chunk.count(b"\n")
            self.bytes += len(chunk)
            if len(self.first) < 3:
                self.first.extend(line.decode(errors="replace") for line in chunk.splitlines()[:3])

    def snapshot(self) -> tuple[int, int]:
        return self.lines, self.bytes


def _states(socks: list[socket.socket]) -> dict[str, int]:
    counts = {"open": 0, "answered 503": 0, "answered other": 0, "closed": 0}
    for sock in socks:
        sock.setblocking(False)
        try:
            data = sock.recv(64, socket.MSG_PEEK)
        except BlockingIOError:
            counts["open"] += 1
            continue
        except OSError:
            counts["closed"] += 1
            continue
        if not data:
            counts["closed"] += 1
        elif data.startswith(b"HTTP/1.1 503"):
            counts["answered 503"] += 1
        else:
            counts["answered other"] += 1
    return counts


def measure(connections: int, nofile: int, hold_s: float, server_file: str | None, bot_fds: int = 0) -> dict[str, Any]:
    connections = min(connections, MAX_CONNECTIONS)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < connections + 64:  # this side's own limit must not be what is measured
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, connections + 256), hard))
    command = [sys.executable, "-m", "bench.idle_connections", "--serve", "--nofile", str(nofile)]
    command += ["--bot-fds", str(bot_fds)]
    if server_file:
        command += ["--server-file", server_file]
    child = subprocess.Popen(
        command, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert child.stdout is not None and child.stderr is not None and child.stdin is not None
    logs = _LogCounter(child.stderr)
    logs.start()
    socks: list[socket.socket] = []
    figures: dict[str, Any] = {"connections": connections, "nofile": nofile, "bot_fds": bot_fds, "hold_s": hold_s}
    try:
        port = int(child.stdout.readline())
        figures["before: GET /"] = _get(port)
        cpu0, wall0, lines0 = _cpu_seconds(child.pid), time.monotonic(), logs.snapshot()
        refused = 0
        deadline = time.monotonic() + 10
        for _ in range(connections):
            if time.monotonic() > deadline:
                break
            sock = socket.socket()
            sock.settimeout(1)
            try:
                sock.connect(("127.0.0.1", port))
            except OSError as exc:
                refused += 1
                sock.close()
                if not isinstance(exc, TimeoutError) and exc.errno not in (errno.ECONNREFUSED, errno.ECONNRESET):
                    raise
                continue
            socks.append(sock)
        figures["idle connections opened"] = len(socks)
        figures["connects refused or timed out"] = refused
        time.sleep(min(2.0, hold_s))
        figures["during: GET /"] = _get(port)
        figures["server's open files, 2 s in"] = len(os.listdir(f"/proc/{child.pid}/fd"))
        figures["idle connections, 2 s in"] = _states(socks)
        time.sleep(max(hold_s - (time.monotonic() - wall0), 0))
        cpu1, wall1, lines1 = _cpu_seconds(child.pid), time.monotonic(), logs.snapshot()
        figures["server CPU while held, % of one core"] = round(100 * (cpu1 - cpu0) / (wall1 - wall0), 1)
        figures["log lines while held"] = lines1[0] - lines0[0]
        figures["log bytes while held"] = lines1[1] - lines0[1]
        figures["idle connections at the end"] = _states(socks)
        for sock in socks:
            sock.close()
        socks.clear()
        time.sleep(2)
        figures["after closing them: GET /"] = _get(port)
        figures["first log lines"] = logs.first[:3]
    finally:
        for sock in socks:
            sock.close()
        child.stdin.close()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.idle_connections", description=__doc__)
    parser.add_argument("--connections", type=int, default=1000, help=f"idle connections (at most {MAX_CONNECTIONS})")
    parser.add_argument("--nofile", type=int, default=1024, help="the server's open-file limit (LimitNOFILE)")
    parser.add_argument("--hold", type=float, default=12.0, help="seconds the idle connections are held")
    parser.add_argument(
        "--bot-fds", type=int, default=BOT_FDS, help=f"files the child holds open as the bot would (default {BOT_FDS})"
    )
    parser.add_argument("--server-file", help="serve this copy of bot/web/server.py instead")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        _serve(args.nofile, args.bot_fds, args.server_file)
        return 0
    figures = measure(args.connections, args.nofile, args.hold, args.server_file, args.bot_fds)
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
