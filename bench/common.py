"""What the bench's sections share: their sizes (Options) and the helpers both bench/sections.py and
bench/web_sections.py call. Neither of those imports the other's helpers, so they import no circle."""

from __future__ import annotations

import copy
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Bot, Update

from bench import mix
from bench.data import REPO
from bench.harness import BotHarness


@dataclass
class Options:
    reps: int = 5
    cost_updates: int = 5000
    cost_supporters: int = 1000  # the database the cost section runs on
    growth_updates: int = 1000
    check_updates: int = 1000  # the untimed first pass, each reply checked (and the warm-up)
    growth_sizes: tuple[int, ...] = (1_000, 100_000, 1_000_000)
    runs_total: int = 1000  # growth's many-runs database: this many runs ...
    runs_open: int = 10  # ... of which this many open (the Unity Run one of them) ...
    runs_supporters: int = 1_000_000  # ... and as many supporters as the one-run database it is compared with
    summary_chats: int = 1000  # growth's daily summaries of many runs: chats across the open runs
    summary_minutes: int = 1440  # the passes of the summaries' job, one a simulated minute
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
                   runs_supporters=10_000, summary_chats=200, broadcast_sizes=(1_000,), startups=1,
                   burst_progress=100, burst_logs=20, flood=40, bystanders=20, file_points=10_000, file_repeats=1,
                   web_seconds=3, web_block=250, chart_chats=1_000, chart_renders=3)  # fmt: skip


def de_json(items: list[mix.Item], bot: Bot) -> list[tuple[str, Update]]:
    """The mix's items as Telegram updates of this application's bot, each with its command's name."""
    return [(item.command, Update.de_json(copy.deepcopy(item.payload), bot)) for item in items]


async def forget_runner_updates(bot: BotHarness, keep_up_to: int) -> None:
    """Between repetitions: drop the runner updates the mix added, so every repetition sees the same data."""
    await bot.db.transaction(lambda conn: conn.execute("DELETE FROM updates WHERE id > ?", (keep_up_to,)))


async def last_update_id(bot: BotHarness) -> int:
    value: int = await bot.db.read(lambda conn: conn.execute("SELECT COALESCE(MAX(id), 0) FROM updates").fetchone()[0])
    return value


def subprocess_env() -> dict[str, str]:
    """This environment, with the repository on PYTHONPATH: a child `python -m bench.…` or `-m bot` finds it."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
