"""`python -m bench.steady_client URL RATE SECONDS [--switched]`: GET URL at a steady RATE requests a second for at most
SECONDS, from a process of its own, then print the figures as JSON.

The viewers of the live page, roughly: each request is due at its own moment (request i at i / RATE
seconds), whatever the answers' speed, over a few keep-alive connections (HTTP/1.1, gzip accepted, as a
phone asks). Bounded three ways: RATE x SECONDS requests at most, SECONDS + a few of wall time, and
127.0.0.1 only. It prints "ready" on stderr once its connections are open; SIGTERM ends it early (the
figures are printed all the same).

With --switched, it sends only while switched on: a line "on" on its standard input starts the pace
afresh (answered "on" on stdout), "off" stops it (answered "off" once the requests under way are
answered), the end of its input ends it. The bench measures the bot in short turns with and without
the load, so a busy moment of a shared machine falls on both alike.
"""

from __future__ import annotations

import asyncio
import json
import signal
import statistics
import sys
import time
from typing import Any
from urllib.parse import urlsplit

CONNECTIONS = 8
MAX_RATE = 5000.0
MAX_SECONDS = 600.0


class Counts:
    def __init__(self) -> None:
        self.ok = 0
        self.errors = 0
        self.late = 0  # requests that could not start on time (every connection was busy)
        self.latencies: list[float] = []


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 response (Content-Length bodies only: the page's server sends those); its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if length:
        await reader.readexactly(length)
    return status


async def run(url: str, rate: float, seconds: float, switched: bool = False) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != "127.0.0.1" or parts.port is None:
        raise SystemExit("only http://127.0.0.1:PORT/... is allowed")
    port = parts.port
    rate, seconds = min(rate, MAX_RATE), min(seconds, MAX_SECONDS)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Encoding: gzip\r\nUser-Agent: runalong-bench\r\n\r\n"
    ).encode()
    total = int(rate * seconds)
    counts = Counts()
    free: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        free.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    tasks: set[asyncio.Task[None]] = set()
    active = asyncio.Event()
    restarted = asyncio.Event()
    sending = 0.0  # seconds spent switched on

    async def one(due: float) -> None:
        reader, writer = await free.get()
        if loop.time() - due > 0.005:
            counts.late += 1
        started = time.perf_counter()
        try:
            writer.write(request)
            status = await _read_response(reader)
        except (OSError, asyncio.IncompleteReadError, ValueError):
            counts.errors += 1
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        else:
            counts.latencies.append(time.perf_counter() - started)
            if 200 <= status < 400:
                counts.ok += 1
            else:
                counts.errors += 1
        free.put_nowait((reader, writer))

    async def switch() -> None:
        nonlocal sending
        commands = asyncio.StreamReader()
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(commands), sys.stdin)
        on_at = 0.0
        while line := await commands.readline():
            if line.strip() == b"on" and not active.is_set():
                on_at = loop.time()
                active.set()
                restarted.set()
                print("on", flush=True)
            elif line.strip() == b"off" and active.is_set():
                active.clear()
                if tasks:
                    await asyncio.wait(set(tasks), timeout=5)
                sending += loop.time() - on_at
                print("off", flush=True)
        stop.set()

    async def until(event: asyncio.Event, seconds: float | None = None) -> None:
        """Wait for `event`, or `stop`, or `seconds`."""
        waits = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(stop.wait())]
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        for waiting in waits:
            waiting.cancel()

    switcher = asyncio.create_task(switch()) if switched else None
    if not switched:
        active.set()
    print("ready", file=sys.stderr, flush=True)
    began = first = loop.time()
    sent = paced = 0
    while sent < total and not stop.is_set() and loop.time() - first < seconds:
        if not active.is_set():
            await until(restarted)
            continue
        if restarted.is_set():  # switched on again: the pace starts afresh
            restarted.clear()
            began, paced = loop.time(), 0
        delay = began + paced / rate - loop.time()
        if delay > 0:
            await until(asyncio.Event(), delay)
            if not active.is_set() or restarted.is_set():
                continue
        task = asyncio.create_task(one(began + paced / rate))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        sent += 1
        paced += 1
    if tasks:
        await asyncio.wait(set(tasks), timeout=5)
    if switcher is not None:
        switcher.cancel()
    elapsed = sending if switched else loop.time() - first
    while not free.empty():
        free.get_nowait()[1].close()
    latencies = sorted(counts.latencies)
    return {
        "sent": sent,
        "ok": counts.ok,
        "errors": counts.errors,
        "late": counts.late,
        "seconds": round(elapsed, 2),
        "rate": round(counts.ok / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2) if len(latencies) >= 100 else None,
    }


def main(argv: list[str]) -> int:
    url, rate, seconds = argv[0], float(argv[1]), float(argv[2])
    print(json.dumps(asyncio.run(run(url, rate, seconds, switched="--switched" in argv[3:]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
