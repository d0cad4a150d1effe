"""The four measurements. Each returns a plain dict (it goes to the JSON as is); figures are medians
over repetitions, and each ratio is taken within one run."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import gc
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from telegram import Bot, Update

from bench import burst as burst_bench
from bench import files_route, mix
from bench.data import REPO, TODAY, add_subscriptions, cached_db, working_copy
from bench.fakes import FakeBotServer
from bench.harness import BareHarness, BotHarness
from bot.demo.simulator import Clock


@dataclass
class Options:
    reps: int = 5
    cost_updates: int = 5000
    cost_supporters: int = 1000  # the database the cost section runs on
    growth_updates: int = 1000
    check_updates: int = 1000  # the untimed first pass, each reply checked (and the warm-up)
    growth_sizes: tuple[int, ...] = (1_000, 100_000, 1_000_000)
    broadcast_sizes: tuple[int, ...] = (10_000, 100_000)
    broadcast_budget: float = 60.0  # seconds of broadcasting per size after which no new repetition starts
    startups: int = 5
    burst_progress: int = 1000
    burst_logs: int = 200
    flood: int = 200
    bystanders: int = 100
    file_points: int = 100_000  # of the GPX and the FIT the files section reads
    file_repeats: int = 3
    web_seconds: int = 20  # of wrk on the page's JSON
    web_load_rate: float = 500.0  # requests a second on the page while the bot's cost is measured
    web_block: int = 500  # updates in each turn with or without that load
    chart_chats: int = 10_000  # the daily summary with its chart to this many chats
    chart_renders: int = 5
    fresh: bool = False  # regenerate the cached databases
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="runalong-bench-")))

    @classmethod
    def quick(cls) -> Options:
        return cls(reps=5, cost_updates=500, growth_updates=300, check_updates=300, growth_sizes=(1_000, 10_000),
                   broadcast_sizes=(1_000,), startups=1, burst_progress=100, burst_logs=20, flood=40,
                   bystanders=20, file_points=10_000, file_repeats=1, web_seconds=3, web_block=250,
                   chart_chats=1_000, chart_renders=3)  # fmt: skip


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _de_json(items: list[mix.Item], bot: Bot) -> list[tuple[str, Update]]:
    return [(item.command, Update.de_json(copy.deepcopy(item.payload), bot)) for item in items]


async def _timed(
    process: Callable[[Update], Awaitable[Any]], updates: list[tuple[str, Update]]
) -> tuple[float, dict[str, float]]:
    """Play the updates one after the other; the total seconds and the seconds spent on each command."""
    gc.collect()
    spent: dict[str, float] = defaultdict(float)
    clock = time.perf_counter
    started = clock()
    for command, update in updates:
        t0 = clock()
        await process(update)
        spent[command] += clock() - t0
    return clock() - started, spent


def _good_replies(
    sent_log: list[tuple[str, int | None, str]],
    updates: list[tuple[str, Update]],
    pattern: re.Pattern[str] | None = None,
) -> int:
    """After a timed pass: the replies (one sendMessage per update, in order) that were the real answer."""
    texts = [text for method, _, text in sent_log if method == "sendMessage"]
    if len(texts) != len(updates):
        return 0
    return sum(bool((pattern or mix.EXPECTED[c]).search(t)) for (c, _), t in zip(updates, texts, strict=True))


async def _forget_runner_updates(bot: BotHarness, keep_up_to: int) -> None:
    """Between repetitions: drop the runner updates the mix added, so every repetition sees the same data."""
    await bot.db.transaction(lambda conn: conn.execute("DELETE FROM updates WHERE id > ?", (keep_up_to,)))


async def _last_update_id(bot: BotHarness) -> int:
    value: int = await bot.db.read(lambda conn: conn.execute("SELECT COALESCE(MAX(id), 0) FROM updates").fetchone()[0])
    return value


async def cost(opts: Options) -> dict[str, Any]:
    """Updates/s of the bot against a bare PTB application, the same mix, the same fake Bot API."""
    source, made_in = await cached_db(opts.cost_supporters, opts.fresh)
    database = working_copy(source, opts.workdir, "cost.db")
    clock = Clock(TODAY)
    rng = random.Random(6)
    n = opts.cost_updates
    async with BotHarness(database, clock) as bot, BareHarness(clock) as bare:
        keep = await _last_update_id(bot)
        items = mix.build(opts.check_updates, opts.cost_supporters, bot.updates, rng)
        bot_check = await mix.play_checked(bot.app.process_update, bot.bench_api.sent_log, _de_json(items, bot.app.bot))
        floor_check = await mix.play_checked(
            bare.app.process_update, bare.api.sent_log, _de_json(items, bare.app.bot), expect=mix.FLOOR
        )
        await _forget_runner_updates(bot, keep)
        bot_s, bare_s, ratios, good, per_command = [], [], [], [], []
        for rep in range(opts.reps):
            items = mix.build(n, opts.cost_supporters, bot.updates, rng)
            bot_updates, bare_updates = _de_json(items, bot.app.bot), _de_json(items, bare.app.bot)
            bot.bench_api.reset()
            bare.api.reset()
            if rep % 2:
                bot_total, spent = await _timed(bot.app.process_update, bot_updates)
                bare_total, _ = await _timed(bare.app.process_update, bare_updates)
            else:
                bare_total, _ = await _timed(bare.app.process_update, bare_updates)
                bot_total, spent = await _timed(bot.app.process_update, bot_updates)
            floor_good = _good_replies(bare.api.sent_log, bare_updates, mix.FLOOR)
            good.append((_good_replies(bot.bench_api.sent_log, bot_updates), floor_good))
            bot_s.append(bot_total)
            bare_s.append(bare_total)
            ratios.append(bot_total / bare_total)
            counts = Counter(c for c, _ in bot_updates)
            per_command.append({c: spent[c] / counts[c] * 1e6 for c in counts})
            await _forget_runner_updates(bot, keep)
    return {
        "updates": n,
        "reps": opts.reps,
        "supporters_in_db": opts.cost_supporters,
        "db_generated_s": round(made_in, 2),
        "floor_updates_per_s": n / _median(bare_s),
        "bot_updates_per_s": n / _median(bot_s),
        "ratio": _median(ratios),
        "ratios": ratios,
        "floor_us_per_update": _median(bare_s) / n * 1e6,
        "bot_us_per_command": {c: _median([p[c] for p in per_command]) for c in mix.MIX},
        "good_replies_per_rep": [{"bot": b, "floor": f} for b, f in good],
        "check": {"bot": bot_check.as_dict(), "floor": floor_check.as_dict()},
        "all_good": bot_check.all_good and floor_check.all_good and all(b == n and f == n for b, f in good),
    }


async def growth(opts: Options) -> dict[str, Any]:
    """µs per update of each command on databases of growing size; the largest against the smallest.

    The sizes take turns within each repetition (all databases open at once), so a busy moment of
    the machine falls on all of them alike; each ratio is taken within one repetition."""
    n = opts.growth_updates
    made: dict[int, tuple[Path, float]] = {size: await cached_db(size, opts.fresh) for size in opts.growth_sizes}
    async with contextlib.AsyncExitStack() as stack:
        bots: dict[int, BotHarness] = {}
        rngs: dict[int, random.Random] = {}
        keep: dict[int, int] = {}
        checks: dict[int, mix.Checked] = {}
        for size, (source, _) in made.items():
            database = working_copy(source, opts.workdir, f"growth-{size}.db")
            bot = bots[size] = await stack.enter_async_context(BotHarness(database, Clock(TODAY)))
            rngs[size] = random.Random(60)  # the same commands, in the same order, at every size
            keep[size] = await _last_update_id(bot)
            items = _de_json(mix.build(opts.check_updates, size, bot.updates, rngs[size]), bot.app.bot)
            checks[size] = await mix.play_checked(bot.app.process_update, bot.bench_api.sent_log, items)
            await _forget_runner_updates(bot, keep[size])
        per_command: dict[int, list[dict[str, float]]] = {size: [] for size in made}
        totals: dict[int, list[float]] = {size: [] for size in made}
        good: dict[int, list[int]] = {size: [] for size in made}
        order = list(made)
        for rep in range(opts.reps):
            for size in order[rep % len(order) :] + order[: rep % len(order)]:
                bot = bots[size]
                updates = _de_json(mix.build(n, size, bot.updates, rngs[size]), bot.app.bot)
                bot.bench_api.reset()
                total, spent = await _timed(bot.app.process_update, updates)
                good[size].append(_good_replies(bot.bench_api.sent_log, updates))
                counts = Counter(c for c, _ in updates)
                per_command[size].append({c: spent[c] / counts[c] * 1e6 for c in counts})
                totals[size].append(total)
                await _forget_runner_updates(bot, keep[size])
    sizes = {
        str(size): {
            "db_generated_s": round(made_in, 2),
            "db_mb": round(source.stat().st_size / 1e6, 1),
            "us_per_command": {c: _median([p[c] for p in per_command[size]]) for c in mix.MIX},
            "updates_per_s": n / _median(totals[size]),
            "us_per_update_per_rep": [t / n * 1e6 for t in totals[size]],
            "good_replies_per_rep": good[size],
            "check": checks[size].as_dict(),
            "all_good": checks[size].all_good and all(g == n for g in good[size]),
        }
        for size, (source, made_in) in made.items()
    }
    smallest, largest = min(made), max(made)
    per_rep = [
        {c: big[c] / small[c] for c in mix.MIX}
        for big, small in zip(per_command[largest], per_command[smallest], strict=True)
    ]
    ratios = {c: _median([r[c] for r in per_rep]) for c in mix.MIX}
    return {"updates": n, "reps": opts.reps, "sizes": sizes, "ratio_largest_to_smallest": ratios,
            "ratios_per_rep": per_rep,
            "smallest": smallest, "largest": largest,
            "all_good": all(s["all_good"] for s in sizes.values())}  # fmt: skip


def _subprocess_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}


async def broadcast(opts: Options) -> dict[str, Any]:
    """The daily summary job to N subscribed chats, limits lifted: messages/s, and the memory it takes
    (each size in a process of its own: see bench/broadcast_worker.py)."""
    results: dict[str, Any] = {}
    source, _ = await cached_db(opts.cost_supporters, opts.fresh)
    for chats in opts.broadcast_sizes:
        database = working_copy(source, opts.workdir, f"broadcast-{chats}.db")
        add_subscriptions(database, chats)
        command = [sys.executable, "-m", "bench.broadcast_worker", str(database), str(chats), str(opts.reps),
                   str(opts.broadcast_budget)]  # fmt: skip
        done = await asyncio.to_thread(
            subprocess.run, command, capture_output=True, text=True, env=_subprocess_env(), check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"the broadcast of {chats} chats failed:\n{done.stderr[-2000:]}")
        found = json.loads(done.stdout.strip().splitlines()[-1])
        rate = _median(found["rates"])
        results[str(chats)] = {
            "reps": len(found["rates"]),
            "messages_per_s": rate,
            "seconds": chats / rate,
            "rss_growth_mb": found["rss_growth_mb"],
            **found,
            # every chat got the summary; the first pass also sends the day's pace reminders to the
            # database's supporters who are behind (once a day: later passes find them sent)
            "all_good": all(g == chats for g in found["summaries_per_rep"])
            and all(s >= chats for s in found["sent_per_rep"]),
        }
    sizes = sorted(opts.broadcast_sizes)
    growth_mb = results[str(sizes[-1])]["rss_growth_mb"] - results[str(sizes[0])]["rss_growth_mb"]
    return {"sizes": results, "memory_growth_mb": growth_mb, "smallest": sizes[0], "largest": sizes[-1],
            "max_reps": opts.reps, "budget_s": opts.broadcast_budget,
            "all_good": all(r["all_good"] for r in results.values())}  # fmt: skip


TOKEN = "123456:AAbench-fake-token-for-the-start-up-test"


def startup(opts: Options) -> dict[str, Any]:
    """`python -m bot` against a fake Bot API over HTTP: seconds to its first getUpdates, and its idle RSS."""
    seconds, rss, failures = [], [], []
    folder = opts.workdir / "startup"
    folder.mkdir(exist_ok=True)
    env = {
        **_subprocess_env(),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "DATABASE_URL": f"sqlite:///{folder / 'bot.db'}",
        "LOG_LEVEL": "INFO",
    }
    env.pop("ADMIN_IDS", None)
    with FakeBotServer() as server:
        env["BOT_API_BASE_URL"] = server.url
        for attempt in range(opts.startups):
            server.reset()
            log_path = folder / f"bot-{attempt}.log"
            with log_path.open("wb") as log:
                started = time.perf_counter()
                # cwd: the empty folder, so a developer's .env is not read
                process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=folder, env=env, stdout=log, stderr=log)
                try:
                    if server.got_updates.wait(timeout=60) and server.first_get_updates is not None:
                        seconds.append(server.first_get_updates - started)
                        time.sleep(1.0)  # idle: long polling, nothing to do
                        rss.append(_rss_mb(process.pid))
                    else:
                        failures.append(log_path.read_text(errors="replace")[-500:] or f"exit code {process.poll()}")
                finally:
                    _stop(process)
    return {
        "starts": opts.startups,
        "seconds_to_first_get_updates": _median(seconds),
        "idle_rss_mb": _median(rss),
        "all_seconds": seconds,
        "all_rss_mb": rss,
        "failures": failures,
        "all_good": not failures and len(seconds) == opts.startups,
    }


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def burst(opts: Options) -> dict[str, Any]:
    """Many chats at once through the real polling loop, Telegram's limits on, a 50 ms Bot API."""
    drained = await burst_bench.burst(opts.workdir, opts.burst_progress, opts.burst_logs)
    flooded = await burst_bench.bystander(opts.workdir, opts.flood, opts.bystanders)
    return {**drained, **flooded, "all_good": drained["all_good"] and flooded["all_good"]}


async def files(opts: Options) -> dict[str, Any]:
    """Activity files and the route (bench/files_route.py): reading a GPX and a FIT of `file_points` points,
    the child's peak memory, each hostile file's refusal, and placing a position on a 5,000-point route."""
    figures = await asyncio.to_thread(files_route.measure, opts.file_repeats, opts.file_points)
    result: dict[str, Any] = {"points": opts.file_points, "repeats": opts.file_repeats}
    result |= {k.removeprefix("files."): v for k, v in figures.items()
               if k.startswith("files.") and not k.startswith("files.hostile.")}  # fmt: skip
    result["hostile_s"] = {k.removeprefix("files.hostile.").removesuffix("_s"): v
                           for k, v in figures.items() if k.startswith("files.hostile.")}  # fmt: skip
    result["route"] = {k.removeprefix("route."): v for k, v in figures.items() if k.startswith("route.")}
    return result


async def web(opts: Options) -> dict[str, Any]:
    """The live page's JSON under load, and the bot's cost per update while it is read (bench/web_sections.py)."""
    from bench import web_sections  # it builds on this module's helpers

    return await web_sections.web(opts)


async def chart(opts: Options) -> dict[str, Any]:
    """Drawing the chart, and the daily summary with its chart to many chats (bench/web_sections.py)."""
    from bench import web_sections

    return await web_sections.chart(opts)
