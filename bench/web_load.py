"""`python -m bench.web_load [--duration 5] [--url URL]`: the live page's JSON under load.

Debian's `wrk` (apt-get install wrk) drives a run's JSON (`/r/<slug>/run.json`) from a second process with 64
connections; without --url the sample Unity Run is served here, by the same Starlette app and
uvicorn setup the bot uses, in this process's event loop. Prints web.requests_per_s and web.p99_ms
(targets: at least 3,000 requests a second, p99 at most 50 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sys
from typing import Any

CONNECTIONS = 64
TARGET_RPS = 3000
TARGET_P99_MS = 50.0
_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> dict[str, float]:
    """wrk --latency's report -> requests a second, p99 in ms, errors (non-2xx/3xx and socket errors)."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s*99(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\b", output, re.MULTILINE)
    if not rps or not p99:
        raise ValueError(f"not a wrk --latency report:\n{output}")
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "web.requests_per_s": round(float(rps[1])),
        "web.p99_ms": round(float(p99[1]) * _UNITS_MS[p99[2]], 2),
        "web.errors": errors + (int(non_2xx[1]) if non_2xx else 0),
    }


async def measure_async(
    url: str, duration_s: int = 5, connections: int = CONNECTIONS, threads: int = 1
) -> dict[str, Any]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")
    process = await asyncio.create_subprocess_exec(
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration_s}s",
        "--latency",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await process.communicate()
    return {**parse_wrk(out.decode()), "web.connections": connections, "web.duration_s": duration_s}


def measure(url: str, duration_s: int = 5) -> dict[str, Any]:
    """Drive `url` (a running server) with wrk for `duration_s` seconds; the figures."""
    return asyncio.run(measure_async(url, duration_s))


async def measure_sample(duration_s: int) -> dict[str, Any]:
    """Serve the sample page here and measure its JSON."""
    from bot.web.sample import SAMPLE_SLUG, SamplePageSource
    from bot.web.server import create_web_app, serve

    server = await serve(create_web_app(SamplePageSource()), "127.0.0.1", 0)
    try:
        return await measure_async(f"http://127.0.0.1:{server.port}/r/{SAMPLE_SLUG}/run.json", duration_s)
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web_load", description=__doc__)
    parser.add_argument("--duration", type=int, default=5, help="seconds of load (default 5)")
    parser.add_argument(
        "--url", help="a running server's run JSON, /r/<slug>/run.json (default: serve the sample here)"
    )
    args = parser.parse_args(argv)
    figures = measure(args.url, args.duration) if args.url else asyncio.run(measure_sample(args.duration))
    ok = figures["web.requests_per_s"] >= TARGET_RPS and figures["web.p99_ms"] <= TARGET_P99_MS
    figures["web.target_met"] = ok and figures["web.errors"] == 0
    json.dump(figures, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
