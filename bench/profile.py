"""`python -m bench.profile [--updates N] [--supporters N] [--broadcast CHATS] [--cprofile]`: where the bot's
time goes.

Plays the cost section's mix once (after a warm-up) and prints, per command: µs/update, aiosqlite
round trips (each one a hop to the database thread and back to the event loop), of which SQL
statements, and Bot API calls. --broadcast: the same for the daily summary job. With --cprofile,
also the functions that took the most time."""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import random
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite

from bench import mix
from bench.common import de_json
from bench.data import SUMMARY_AT, TODAY, add_subscriptions, cached_db, working_copy
from bench.harness import BotHarness
from bot.demo.simulator import Clock
from bot.edge.jobs import SUMMARIES

SORT = os.environ.get("PROFILE_SORT", "tottime")  # or cumtime


class RoundTrips:
    """Counts what goes through aiosqlite's queue to its thread, by the function run there."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._original = aiosqlite.Connection._execute

    def __enter__(self) -> RoundTrips:
        counter, original = self.calls, self._original

        async def counting(conn: aiosqlite.Connection, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
            counter[getattr(fn, "__name__", type(fn).__name__)] += 1
            return await original(conn, fn, *args, **kwargs)

        setattr(aiosqlite.Connection, "_execute", counting)  # noqa: B010 - a method swapped for the count
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(aiosqlite.Connection, "_execute", self._original)  # noqa: B010


async def profile(updates: int, supporters: int, use_cprofile: bool) -> str:
    source, _ = await cached_db(supporters)
    database = working_copy(source, Path(tempfile.mkdtemp(prefix="runalong-profile-")), "profile.db")
    rng = random.Random(6)
    async with BotHarness(database, Clock(TODAY)) as bot:
        warm_up = de_json(mix.build(300, supporters, bot.updates, rng), bot.app.bot)
        await mix.play_checked(bot.app.process_update, bot.bench_api.sent_log, warm_up)
        played = de_json(mix.build(updates, supporters, bot.updates, rng), bot.app.bot)
        spent: dict[str, float] = defaultdict(float)
        count: Counter[str] = Counter()
        trips: dict[str, Counter[str]] = defaultdict(Counter)
        api: dict[str, Counter[str]] = defaultdict(Counter)
        profiler = cProfile.Profile() if use_cprofile else None
        with RoundTrips() as rt:
            if profiler:
                profiler.enable()
            for command, update in played:
                before_rt, before_api = Counter(rt.calls), Counter(bot.bench_api.methods)
                t0 = time.perf_counter()
                await bot.app.process_update(update)
                spent[command] += time.perf_counter() - t0
                count[command] += 1
                trips[command].update(rt.calls - before_rt)
                api[command].update(bot.bench_api.methods - before_api)
            if profiler:
                profiler.disable()
    lines = [
        f"{updates} updates on {supporters:,} supporters (one pass after a warm-up)",
        "",
        "| command | µs/update | aiosqlite round trips | of which execute | Bot API calls |",
        "|---|---:|---:|---:|---:|",
    ]
    for command in mix.MIX:
        n = count[command]
        if not n:
            continue
        t = trips[command]
        lines.append(
            f"| /{command} | {spent[command] / n * 1e6:,.0f} | {sum(t.values()) / n:.1f}"
            f" | {(t['execute'] + t['executemany']) / n:.1f} | {sum(api[command].values()) / n:.1f} |"
        )
    kinds: Counter[str] = Counter()
    for t in trips.values():
        kinds.update(t)
    lines += ["", "round trips by kind: " + ", ".join(f"{k} {v}" for k, v in kinds.most_common())]
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(SORT).print_stats(40)
        lines += ["", out.getvalue()]
    return "\n".join(lines)


async def profile_broadcast(chats: int, use_cprofile: bool) -> str:
    """The daily summary to `chats` chats: round trips per message, and where the time goes."""
    source, _ = await cached_db(1000)
    database = working_copy(source, Path(tempfile.mkdtemp(prefix="runalong-profile-")), "broadcast.db")
    add_subscriptions(database, chats)
    profiler = cProfile.Profile() if use_cprofile else None
    async with BotHarness(database, Clock(SUMMARY_AT), record=False) as bot:
        with RoundTrips() as rt:
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            await bot.run_jobs(SUMMARIES)
            elapsed = time.perf_counter() - started
            if profiler:
                profiler.disable()
        sent = bot.bench_api.methods["sendMessage"]
    lines = [
        f"daily summary to {chats:,} chats: {sent:,} sent in {elapsed:.2f} s ({sent / elapsed:,.0f} msg/s)",
        f"aiosqlite round trips per message: {sum(rt.calls.values()) / max(sent, 1):.1f} "
        f"({', '.join(f'{k} {v / max(sent, 1):.1f}' for k, v in rt.calls.most_common())})",
    ]
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(SORT).print_stats(40)
        lines += ["", out.getvalue()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--supporters", type=int, default=1000)
    parser.add_argument("--broadcast", type=int, metavar="CHATS", help="profile the daily summary to CHATS chats")
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args()
    if args.broadcast:
        print(asyncio.run(profile_broadcast(args.broadcast, args.cprofile)))
    else:
        print(asyncio.run(profile(args.updates, args.supporters, args.cprofile)))


if __name__ == "__main__":
    main()
