"""The sections of `python -m bench`: cost, growth, broadcast, startup, burst, files, and (from
bench/web_sections.py) web and chart. Each returns a plain dict (it goes to the JSON as is); figures are
medians over repetitions, and each ratio is taken within one run. What each needs from the machine is
checked before any of them runs: bench/preflight.py."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import random
import re
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from telegram import Update

from bench import burst as burst_bench
from bench import files_route, mix, web_sections
from bench.common import Options, de_json, forget_runner_updates, last_update_id, subprocess_env
from bench.data import TODAY, add_subscriptions, cached_db, working_copy
from bench.fakes import FakeBotServer
from bench.harness import BareHarness, BotHarness
from bot.demo.simulator import Clock


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


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


async def cost(opts: Options) -> dict[str, Any]:
    """Updates/s of the bot against a bare PTB application, the same mix, the same fake Bot API."""
    source, made_in = await cached_db(opts.cost_supporters, opts.fresh)
    database = working_copy(source, opts.workdir, "cost.db")
    clock = Clock(TODAY)
    rng = random.Random(6)
    n = opts.cost_updates
    async with BotHarness(database, clock) as bot, BareHarness(clock) as bare:
        keep = await last_update_id(bot)
        items = mix.build(opts.check_updates, opts.cost_supporters, bot.updates, rng)
        bot_check = await mix.play_checked(bot.app.process_update, bot.bench_api.sent_log, de_json(items, bot.app.bot))
        floor_check = await mix.play_checked(
            bare.app.process_update, bare.api.sent_log, de_json(items, bare.app.bot), expect=mix.FLOOR
        )
        await forget_runner_updates(bot, keep)
        bot_s, bare_s, ratios, good, per_command = [], [], [], [], []
        for rep in range(opts.reps):
            items = mix.build(n, opts.cost_supporters, bot.updates, rng)
            bot_updates, bare_updates = de_json(items, bot.app.bot), de_json(items, bare.app.bot)
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
            await forget_runner_updates(bot, keep)
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
            keep[size] = await last_update_id(bot)
            items = de_json(mix.build(opts.check_updates, size, bot.updates, rngs[size]), bot.app.bot)
            checks[size] = await mix.play_checked(bot.app.process_update, bot.bench_api.sent_log, items)
            await forget_runner_updates(bot, keep[size])
        per_command: dict[int, list[dict[str, float]]] = {size: [] for size in made}
        totals: dict[int, list[float]] = {size: [] for size in made}
        good: dict[int, list[int]] = {size: [] for size in made}
        order = list(made)
        for rep in range(opts.reps):
            for size in order[rep % len(order) :] + order[: rep % len(order)]:
                bot = bots[size]
                updates = de_json(mix.build(n, size, bot.updates, rngs[size]), bot.app.bot)
                bot.bench_api.reset()
                total, spent = await _timed(bot.app.process_update, updates)
                good[size].append(_good_replies(bot.bench_api.sent_log, updates))
                counts = Counter(c for c, _ in updates)
                per_command[size].append({c: spent[c] / counts[c] * 1e6 for c in counts})
                totals[size].append(total)
                await forget_runner_updates(bot, keep[size])
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
            subprocess.run, command, capture_output=True, text=True, env=subprocess_env(), check=False
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
        **subprocess_env(),
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
    return await web_sections.web(opts)


async def chart(opts: Options) -> dict[str, Any]:
    """Drawing the chart, and the daily summary with its chart to many chats (bench/web_sections.py)."""
    return await web_sections.chart(opts)
