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
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from telegram import Update

from bench import burst as burst_bench
from bench import files_route, mix, web_sections
from bench.common import Options, de_json, forget_runner_updates, last_update_id, subprocess_env
from bench.data import (
    SUMMARY_DAY,
    SUPPORTER_BASE,
    TODAY,
    add_subscriptions,
    add_summary_chats,
    cached_db,
    cached_many_runs_db,
    link_new_users,
    senders,
    working_copy,
)
from bench.fakes import FakeBotServer
from bench.harness import BareHarness, BotHarness
from bot.demo.simulator import Clock
from bot.edge.jobs import SUMMARIES


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


Key = TypeVar("Key", int, str)
QUESTION = "Which run do you mean"  # the bot's question when a message could be about several runs


def _questions(sent_log: list[tuple[str, int | None, str]]) -> int:
    """Replies that asked which run a message meant: none may, the bench's people each being in one run."""
    return sum(QUESTION in text for _, _, text in sent_log)


@dataclass
class _Turns(Generic[Key]):
    """What each database's turns measured: per repetition, µs per command, seconds, replies that were the
    real answer; the first (untimed, checked) pass; how many replies asked which run."""

    per_command: dict[Key, list[dict[str, float]]]
    totals: dict[Key, list[float]]
    good: dict[Key, list[int]]
    checks: dict[Key, mix.Checked]
    questions: dict[Key, int]

    def all_good(self, key: Key, n: int) -> bool:
        return self.checks[key].all_good and all(g == n for g in self.good[key]) and not self.questions[key]


async def _take_turns(bots: dict[Key, BotHarness], picks: dict[Key, int], opts: Options) -> _Turns[Key]:
    """The mix on each database (its commands from the first `picks` generated supporters and from new
    people): first a checked pass, then `opts.reps` timed ones, the databases taking turns within each
    repetition (all open at once), so a busy moment of the machine falls on all of them alike."""
    n = opts.growth_updates
    turns: _Turns[Key] = _Turns({k: [] for k in bots}, {k: [] for k in bots}, {k: [] for k in bots}, {},
                                dict.fromkeys(bots, 0))  # fmt: skip
    rngs = {key: random.Random(60) for key in bots}  # the same commands, in the same order, on every database
    keep: dict[Key, int] = {}
    for key, bot in bots.items():
        keep[key] = await last_update_id(bot)
        items = de_json(mix.build(opts.check_updates, picks[key], bot.updates, rngs[key]), bot.app.bot)
        turns.checks[key] = await mix.play_checked(bot.app.process_update, bot.bench_api.sent_log, items)
        turns.questions[key] += _questions(bot.bench_api.sent_log)
        await forget_runner_updates(bot, keep[key])
    order = list(bots)
    for rep in range(opts.reps):
        for key in order[rep % len(order) :] + order[: rep % len(order)]:
            bot = bots[key]
            updates = de_json(mix.build(n, picks[key], bot.updates, rngs[key]), bot.app.bot)
            bot.bench_api.reset()
            total, spent = await _timed(bot.app.process_update, updates)
            turns.good[key].append(_good_replies(bot.bench_api.sent_log, updates))
            turns.questions[key] += _questions(bot.bench_api.sent_log)
            counts = Counter(c for c, _ in updates)
            turns.per_command[key].append({c: spent[c] / counts[c] * 1e6 for c in counts})
            turns.totals[key].append(total)
            await forget_runner_updates(bot, keep[key])
    return turns


def _ratios(
    big: list[dict[str, float]], small: list[dict[str, float]]
) -> tuple[list[dict[str, float]], dict[str, float]]:
    """Each command's cost on one database against another: per repetition, and their median."""
    per_rep = [{c: b[c] / s[c] for c in mix.MIX} for b, s in zip(big, small, strict=True)]
    return per_rep, {c: _median([r[c] for r in per_rep]) for c in mix.MIX}


async def growth(opts: Options) -> dict[str, Any]:
    """µs per update of each command on databases of growing size; the largest against the smallest. Then
    many runs (`_many_runs`): each command on 1,000 runs against one run of as many supporters, and the daily
    summaries of the open runs' chats over a day.

    The databases take turns within each repetition. A size's ratio is the median of the per-repetition
    ratios (as before); `runs_ratio` is the worst command's ratio of median costs."""
    n = opts.growth_updates
    made: dict[int, tuple[Path, float]] = {size: await cached_db(size, opts.fresh) for size in opts.growth_sizes}
    async with contextlib.AsyncExitStack() as stack:
        bots: dict[int, BotHarness] = {}
        for size, (source, _) in made.items():
            database = working_copy(source, opts.workdir, f"growth-{size}.db")
            bots[size] = await stack.enter_async_context(BotHarness(database, Clock(TODAY)))
        turns = await _take_turns(bots, {size: size for size in made}, opts)
    sizes = {
        str(size): {
            "db_generated_s": round(made_in, 2),
            "db_mb": round(source.stat().st_size / 1e6, 1),
            "us_per_command": {c: _median([p[c] for p in turns.per_command[size]]) for c in mix.MIX},
            "updates_per_s": n / _median(turns.totals[size]),
            "us_per_update_per_rep": [t / n * 1e6 for t in turns.totals[size]],
            "good_replies_per_rep": turns.good[size],
            "check": turns.checks[size].as_dict(),
            "all_good": turns.all_good(size, n),
        }
        for size, (source, made_in) in made.items()
    }
    smallest, largest = min(made), max(made)
    per_rep, ratios = _ratios(turns.per_command[largest], turns.per_command[smallest])
    runs = await _many_runs(opts)
    summaries = await _summaries(opts, runs.pop("source"))
    return {"updates": n, "reps": opts.reps, "sizes": sizes, "ratio_largest_to_smallest": ratios,
            "ratios_per_rep": per_rep,
            "smallest": smallest, "largest": largest,
            "runs_ratio": runs["ratio"], "runs_worst_command": runs["worst_command"], "runs": runs,
            "summaries_once": summaries["once"], "summaries": summaries,
            "all_good": all(s["all_good"] for s in sizes.values()) and runs["all_good"]
            and summaries["all_good"]}  # fmt: skip


ONE_RUN, MANY_RUNS = "one run", "many runs"


async def _many_runs(opts: Options) -> dict[str, Any]:
    """Each command on the database of `runs_total` runs (bench/data.py `add_runs`) against the one-run
    database of as many supporters: the same Unity Run, the same commands from the same people. They come
    from the generated supporters who are in the Unity Run alone and from new people who opened its link
    (the same rows in both databases), so none is asked which run (checked: no reply asks it)."""
    size = opts.runs_supporters
    one, one_made = await cached_db(size, opts.fresh)
    many, many_made = await cached_many_runs_db(size, opts.runs_total, opts.runs_open, opts.fresh)
    newcomers = 10 * max(opts.check_updates, opts.growth_updates)  # mix.build's new people: 1 .. 10 n
    databases = {ONE_RUN: working_copy(one, opts.workdir, "runs-one.db"),
                 MANY_RUNS: working_copy(many, opts.workdir, "runs-many.db")}  # fmt: skip
    for database in databases.values():
        await asyncio.to_thread(link_new_users, database, mix.NEW_USER_BASE + 1, newcomers)
    picks = senders(size)
    async with contextlib.AsyncExitStack() as stack:
        bots = {key: await stack.enter_async_context(BotHarness(database, Clock(TODAY)))
                for key, database in databases.items()}  # fmt: skip
        in_one_run = [
            await bots[MANY_RUNS].query(_in_the_unity_run_alone, first, last)
            for first, last in ((SUPPORTER_BASE + 1, SUPPORTER_BASE + picks),
                                (mix.NEW_USER_BASE + 1, mix.NEW_USER_BASE + newcomers))
        ]  # fmt: skip
        turns = await _take_turns(bots, dict.fromkeys(bots, picks), opts)
    n = opts.growth_updates
    us = {key: {c: _median([p[c] for p in turns.per_command[key]]) for c in mix.MIX} for key in bots}
    ratios = {c: us[MANY_RUNS][c] / us[ONE_RUN][c] for c in mix.MIX}  # of the median costs
    per_rep, of_reps = _ratios(turns.per_command[MANY_RUNS], turns.per_command[ONE_RUN])
    worst = max(ratios, key=lambda c: ratios[c])
    return {
        "source": many,
        "supporters": size,
        "runs": opts.runs_total,
        "open": opts.runs_open,
        "senders": picks,
        "newcomers": newcomers,
        "senders_in_one_run": all(in_one_run),
        "db_generated_s": {ONE_RUN: round(one_made, 2), MANY_RUNS: round(many_made, 2)},
        "db_mb": {ONE_RUN: round(one.stat().st_size / 1e6, 1), MANY_RUNS: round(many.stat().st_size / 1e6, 1)},
        "us_per_command": us,
        "updates_per_s": {key: n / _median(turns.totals[key]) for key in bots},
        "ratios": ratios,
        "ratios_per_rep": per_rep,
        "median_of_ratios_per_rep": of_reps,
        "ratio": ratios[worst],
        "worst_command": worst,
        "questions": sum(turns.questions.values()),
        "good_replies_per_rep": turns.good,
        "check": {key: turns.checks[key].as_dict() for key in bots},
        "all_good": all(in_one_run) and all(turns.all_good(key, n) for key in bots),
    }


def _in_the_unity_run_alone(conn: sqlite3.Connection, first: int, last: int) -> bool:
    """Whether every person of ids first .. last is a member of one run, the Unity Run (id 1)."""
    people, alone = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(runs = 1 AND run_id = 1), 0) FROM"
        " (SELECT COUNT(*) AS runs, MIN(run_id) AS run_id FROM members WHERE user_id BETWEEN ? AND ? GROUP BY user_id)",
        (first, last),
    ).fetchone()
    return bool(people == alone == last - first + 1)


SUMMARY_TEXTS = ("📰 Daily summary", "🏁 Final summary")


async def _summaries(opts: Options, source: Path) -> dict[str, Any]:
    """The daily summaries of the open runs over a simulated day on the many-runs database: `summary_chats`
    chats (bench/data.py `add_summary_chats`), each about one run, at its own local time in its own zone; the
    real job (bot.edge.jobs.send_summaries) once a simulated minute. Each chat must get exactly one summary,
    of its own run, at its own time; nothing else is sent (the day's pace reminders are marked done)."""
    database = working_copy(source, opts.workdir, "summaries.db")
    chats = await asyncio.to_thread(add_summary_chats, database, opts.summary_chats, SUMMARY_DAY)
    clock = Clock(SUMMARY_DAY)
    got: dict[int | None, list[tuple[datetime, str]]] = defaultdict(list)
    passes: list[tuple[float, int]] = []  # each pass: seconds, messages sent
    async with BotHarness(database, clock) as bot:
        bot.bench_api.reset()
        for minute in range(opts.summary_minutes):
            clock.now = SUMMARY_DAY + timedelta(minutes=minute)
            before = len(bot.bench_api.sent_log)
            gc.collect(0)
            started = time.perf_counter()
            await bot.run_jobs(SUMMARIES)
            passes.append((time.perf_counter() - started, len(bot.bench_api.sent_log) - before))
            for _, chat_id, text in bot.bench_api.sent_log[before:]:
                got[chat_id].append((clock.now, text))
        uploads, sends = bot.bench_api.uploads, bot.bench_api.sends()
    once = own_run = on_time = 0
    for chat in chats:
        summaries = [(at, text) for at, text in got.pop(chat.chat_id, []) if text.startswith(SUMMARY_TEXTS)]
        if len(summaries) != 1:
            continue
        at, text = summaries[0]
        once += 1
        own_run += f"<b>{chat.title}</b>" in text
        on_time += f"{at.astimezone(ZoneInfo(chat.zone)):%H:%M}" == chat.local_time
    busy = [seconds for seconds, sent in passes if sent]
    idle = [seconds for seconds, sent in passes if not sent]
    elsewhere = sum(len(texts) for texts in got.values())  # sends to chats that are not subscribed
    return {
        "chats": len(chats),
        "runs": len({c.run_id for c in chats}),
        "zones": len({c.zone for c in chats}),
        "local_times": len({(c.zone, c.local_time) for c in chats}),
        "passes": len(passes),
        "passes_s": sum(seconds for seconds, _ in passes),
        "passes_sending": len(busy),
        "sending_pass_median_ms": _median(busy) * 1000,
        "sending_pass_max_ms": max(busy, default=0.0) * 1000,
        "idle_pass_median_ms": _median(idle) * 1000,
        "sends": sends,
        "chart_uploads": uploads,
        "chats_with_one_summary": once,
        "of_their_own_run": own_run,
        "at_their_own_time": on_time,
        "sends_elsewhere": elsewhere,
        "once": once == own_run == len(chats),
        "all_good": once == own_run == on_time == len(chats) and not elsewhere,
    }


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
