"""`python -m bot demo --serve [--port N]`: the demo played, then its live page served until interrupted.

The page is the real one (bot.edge.live_page over the demo's application and database), as the run stood
at the demo's end: open http://127.0.0.1:PORT/ in a browser. Ctrl-C or SIGTERM stop it cleanly.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from bot.demo.play import run_demo
from bot.demo.simulator import Simulator
from bot.edge import live_page

DEFAULT_PORT = 8080


async def serve_until_stopped(sim: Simulator, port: int, write: Callable[[str], None]) -> None:
    """Serve `sim`'s page on 127.0.0.1:port (0: a free one) until SIGINT or SIGTERM."""
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopped.set)
    try:
        server = await live_page.start(sim.app, port)
        assert server is not None  # a port was given
        write(f"\nThe demo's live page: http://{server.host}:{server.port}/ (Ctrl-C to stop)")
        await stopped.wait()
    finally:
        await live_page.stop(sim.app)
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)


def say(text: str) -> None:
    print(text, flush=True)  # at once, also into a pipe: whoever started the demo waits for the address


async def serve_demo(database: Path | None, quiet: bool, port: int, write: Callable[[str], None] = say) -> int:
    try:
        return await run_demo(database, quiet, write, then=lambda sim: serve_until_stopped(sim, port, write))
    except OSError as exc:  # the port is taken, or not ours to use
        print(f"Could not serve the live page on port {port}: {exc}", file=sys.stderr)
        return 2
