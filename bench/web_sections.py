"""The live page's sections: `web` (its JSON under load, and what serving it costs the bot) and `chart`
(drawing the chart, and the daily summary with its chart to many chats, uploaded once).

The bot and the page's server share one event loop in one process, as in production (bot.edge.live_page):
load on the page is time the bot's updates wait for. The load comes from other processes (wrk, or
bench/steady_client.py), on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import random
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from telegram import Update

from bench import mix, web_load
from bench.common import Options, de_json, forget_runner_updates, last_update_id, subprocess_env
from bench.data import TODAY, add_subscriptions, cached_db, working_copy
from bench.harness import BotHarness
from bot.demo.play import run_demo
from bot.demo.simulator import Clock, Simulator
from bot.edge import live_page
from bot.replies.pictures import progress_chart
from bot.services.results import ChartData
from bot.web.server import WebServer, serve

MAX_LOAD_SECONDS = 600  # the steady client's own bound (its longest)
DEMO_COVERED_M = 409_000  # where the demo's run ends: 409 km of 416 km
# The demo's run as its final summary draws it: ten days, a rest day, 409 km.
DEMO_CHART = ChartData(
    title="The Unity Run",
    start=date(2021, 8, 15),
    end=date(2021, 8, 24),
    distance_m=416_000,
    day_m=[24_000, 55_000, 58_000, 30_000, 20_000, 0, 48_000, 60_000, 62_000, 52_000],
    today=date(2021, 8, 24),
)


@contextlib.asynccontextmanager
async def page_served(sim: Simulator) -> AsyncIterator[tuple[WebServer, str]]:
    """The real page of this application on 127.0.0.1 (a free port); the JSON's address of the run the index
    names first (/r/<slug>/run.json, what its page polls), else the old address /api/run.json."""
    server = await serve(live_page.web_app(sim.app), "127.0.0.1", 0)
    try:
        root = f"http://127.0.0.1:{server.port}"
        async with httpx.AsyncClient() as http:
            index = (await http.get(f"{root}/api/runs.json")).json()
        entries = index["open"] + index["past"]
        yield server, f"{root}{entries[0]['page']}/run.json" if entries else f"{root}/api/run.json"
    finally:
        await server.stop()


async def _under_wrk(workdir: Path, seconds: int) -> dict[str, Any]:
    """The demo played into the real application, its JSON under wrk (64 connections) for `seconds`."""
    found: dict[str, Any] = {}

    async def measure(sim: Simulator) -> None:
        async with page_served(sim) as (_, url):
            async with httpx.AsyncClient() as http:
                page = (await http.get(url)).json()
            found["demo_covered_m"] = page["progress"]["covered_m"]
            found.update(await web_load.measure_async(url, seconds))

    await run_demo(workdir / "web-demo.db", quiet=True, write=lambda _: None, then=measure)
    return found


async def _played(process: Callable[[Update], Awaitable[Any]], updates: list[tuple[str, Update]]) -> float:
    """Seconds to play the updates one after the other (bench/sections.py's _timed without its gc.collect: a full
    collection takes tens of ms, and the page's requests queued meanwhile would be served in the turn)."""
    started = time.perf_counter()
    for _, update in updates:
        await process(update)
    return time.perf_counter() - started


class SteadyLoad:
    """bench/steady_client.py --switched: requests to `url` at `rate` a second, while switched on."""

    def __init__(self, client: asyncio.subprocess.Process) -> None:
        self.client = client
        self.figures: dict[str, Any] = {}

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls, url: str, rate: float, seconds: float) -> AsyncIterator[SteadyLoad]:
        client = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.steady_client", url, str(rate), str(seconds), "--switched",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=subprocess_env(),
        )  # fmt: skip
        assert client.stderr is not None
        load = cls(client)
        try:
            ready = await asyncio.wait_for(client.stderr.readline(), 30)
            if ready.strip() != b"ready":
                raise RuntimeError(f"the steady client did not start: {ready!r} {await client.stderr.read()!r}")
            yield load
        finally:
            assert client.stdin is not None
            client.stdin.close()  # the end of its input: it stops and prints its figures
            out, err = await asyncio.wait_for(client.communicate(), 30)
            if out.strip():
                load.figures = json.loads(out.decode().strip().splitlines()[-1])
            else:
                load.figures = {"failure": err.decode(errors="replace")[-1000:]}

    async def _say(self, command: bytes) -> None:
        assert self.client.stdin is not None and self.client.stdout is not None
        self.client.stdin.write(command + b"\n")
        await self.client.stdin.drain()
        answer = await asyncio.wait_for(self.client.stdout.readline(), 30)
        if answer.strip() != command:
            raise RuntimeError(f"the steady client answered {answer!r} to {command!r}")

    async def on(self) -> None:
        await self._say(b"on")

    async def off(self) -> None:
        """Returns once the requests under way are answered."""
        await self._say(b"off")


async def _update_cost_under_load(opts: Options) -> dict[str, Any]:
    """The cost mix's µs per update with and without a steady load on the page, in short turns; loaded/quiet.

    Each repetition plays `cost_updates` updates quiet and as many loaded, in blocks that take turns (and
    swap which goes first), so a busy moment of a shared machine falls on both alike; its ratio is the
    loaded total over the quiet total. The load is switched on only for the loaded blocks.
    """
    source, _ = await cached_db(opts.cost_supporters, opts.fresh)
    database = working_copy(source, opts.workdir, "web-cost.db")
    rng = random.Random(12)
    n, block = opts.cost_updates, min(opts.web_block, opts.cost_updates)
    async with BotHarness(database, Clock(TODAY)) as bot, page_served(bot) as (_, url):
        async with httpx.AsyncClient() as http:
            answer = await http.get(url)
        page_ok = answer.status_code == 200 and answer.json()["run"]["distance_m"] > 0
        keep = await last_update_id(bot)
        items = de_json(mix.build(opts.check_updates, opts.cost_supporters, bot.updates, rng), bot.app.bot)
        check = await mix.play_checked(bot.app.process_update, bot.bench_api.sent_log, items)  # and the warm-up
        await forget_runner_updates(bot, keep)
        quiet_s, loaded_s, ratios, cpu_ratios = [], [], [], []
        cpu_us: list[dict[str, float]] = []
        async with SteadyLoad.running(url, opts.web_load_rate, MAX_LOAD_SECONDS) as load:
            for rep in range(opts.reps):
                gc.collect()  # once a repetition, load off: a collection inside the turns falls on both alike
                spent = {False: 0.0, True: 0.0}
                cpu = {False: 0.0, True: 0.0}  # this process's CPU time: the bot's and its page's work alone
                kernel = {False: 0.0, True: 0.0}  # of which in the kernel (sends, wake-ups of other threads)
                for turn in range(max(n // block, 1)):
                    for loaded in (turn % 2 == 0, turn % 2 == 1) if rep % 2 else (turn % 2 == 1, turn % 2 == 0):
                        updates = de_json(mix.build(block, opts.cost_supporters, bot.updates, rng), bot.app.bot)
                        if loaded:
                            await load.on()
                        before = os.times()
                        seconds = await _played(bot.app.process_update, updates)
                        after = os.times()
                        cpu[loaded] += (after.user - before.user) + (after.system - before.system)
                        kernel[loaded] += after.system - before.system
                        if loaded:
                            await load.off()
                        spent[loaded] += seconds
                await forget_runner_updates(bot, keep)
                played = max(n // block, 1) * block
                quiet_s.append(spent[False] / played)
                loaded_s.append(spent[True] / played)
                ratios.append(spent[True] / spent[False])
                cpu_ratios.append(cpu[True] / cpu[False])
                cpu_us.append({"quiet": cpu[False] / played * 1e6, "loaded": cpu[True] / played * 1e6,
                               "quiet_kernel": kernel[False] / played * 1e6,
                               "loaded_kernel": kernel[True] / played * 1e6})  # fmt: skip
    figures = load.figures
    return {
        "update_cost_ratio": statistics.median(ratios),
        "update_cost_ratios": ratios,
        # the same in this process's CPU time: what the page's requests add, without the share of the
        # machine's CPUs that the load's own process (and anything else running) takes
        "update_cpu_ratio": statistics.median(cpu_ratios),
        "update_cpu_ratios": cpu_ratios,
        "cpu_us_per_update": {k: statistics.median([c[k] for c in cpu_us]) for k in cpu_us[0]},
        "quiet_us_per_update": statistics.median(quiet_s) * 1e6,
        "loaded_us_per_update": statistics.median(loaded_s) * 1e6,
        "load_rate_asked": opts.web_load_rate,
        "load_rate_served": figures.get("rate", 0.0),
        "load_p99_ms": figures.get("p99_ms") or 0.0,
        "load_errors": figures.get("errors", 1),
        "load": figures,
        "cost_updates": n,
        "cost_block": block,
        "cost_check_all_good": check.all_good,
        "cost_page_ok": page_ok,
    }


async def web(opts: Options) -> dict[str, Any]:
    """The page's JSON under wrk, and the bot's cost per update while the page is being read."""
    found = await _under_wrk(opts.workdir, opts.web_seconds)
    result: dict[str, Any] = {
        "requests_per_s": found["web.requests_per_s"],
        "p99_ms": found["web.p99_ms"],
        "errors": found["web.errors"],
        "connections": found["web.connections"],
        "duration_s": found["web.duration_s"],
        "demo_covered_m": found["demo_covered_m"],
    }
    result.update(await _update_cost_under_load(opts))
    load_kept = result["load_rate_served"] >= 0.9 * opts.web_load_rate and result["load_errors"] == 0
    result["all_good"] = (
        result["demo_covered_m"] == DEMO_COVERED_M
        and result["errors"] == 0
        and result["cost_check_all_good"]
        and result["cost_page_ok"]
        and load_kept
    )
    return result


def _render_ms(times: int) -> tuple[float, list[float]]:
    progress_chart(DEMO_CHART)  # matplotlib's import and font cache: not the chart's cost
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        png = progress_chart(DEMO_CHART)
        spent.append((time.perf_counter() - started) * 1000)
        assert png.startswith(b"\x89PNG")
    return statistics.median(spent), spent


async def chart(opts: Options) -> dict[str, Any]:
    """Drawing the chart; the daily summary with its chart to N chats (drawn and uploaded once a pass)."""
    render_ms, renders = await asyncio.to_thread(_render_ms, opts.chart_renders)
    source, _ = await cached_db(opts.cost_supporters, opts.fresh)
    chats = opts.chart_chats
    database = working_copy(source, opts.workdir, f"chart-{chats}.db")
    add_subscriptions(database, chats)
    command = [sys.executable, "-m", "bench.broadcast_worker", str(database), str(chats), str(opts.reps),
               str(opts.broadcast_budget), "--new-chart"]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=subprocess_env()
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the summary with its chart to {chats} chats failed:\n{err.decode()[-2000:]}")
    found = json.loads(out.decode().strip().splitlines()[-1])
    return {
        "render_ms": render_ms,
        "renders_ms": renders,
        "chats": chats,
        "messages_per_s": statistics.median(found["rates"]),
        "reps": len(found["rates"]),
        "uploads_per_rep": found["uploads_per_rep"],
        "photos_per_rep": found["photos_per_rep"],
        "rates": found["rates"],
        "rss_growth_mb": found["rss_growth_mb"],
        "uploads": max(found["uploads_per_rep"]),
        # every chat got its summary as a photo, the chart uploaded once in each pass
        "all_good": all(s == chats for s in found["summaries_per_rep"])
        and all(p >= chats for p in found["photos_per_rep"])
        and all(u == 1 for u in found["uploads_per_rep"]),
    }
