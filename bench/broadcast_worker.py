"""`python -m bench.broadcast_worker DB CHATS REPS BUDGET [--new-chart]`: the daily summary job to CHATS
subscribed chats, in a process of its own so its memory is measured alone. Prints the figures as JSON.

Each summary goes with its chart (a photo, the summary as its caption). With --new-chart every pass
draws the chart anew and uploads it (the bench's chart section); without, the passes after the first
send the file id Telegram returned.

Memory is the growth of the resident set: the process's high-water mark (VmHWM) at the end, less
its resident set (VmRSS) once the application and the database were open, before the first pass.
Repetitions stop early (at least one) once BUDGET seconds were spent broadcasting."""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench.data import SUMMARY_AT
from bench.fakes import prefix_of
from bench.harness import BotHarness
from bot.demo.simulator import Clock
from bot.edge import photos
from bot.edge.jobs import SUMMARIES

SUMMARY = prefix_of("📰 Daily summary")


def proc_status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


async def measure(database: str, chats: int, reps: int, budget: float, new_chart: bool = False) -> dict[str, Any]:
    rates: list[float] = []
    sent: list[int] = []
    summaries: list[int] = []
    photos_sent: list[int] = []
    uploads: list[int] = []
    spent = 0.0
    async with BotHarness(database, Clock(SUMMARY_AT), record=False) as bot:
        gc.collect()
        rss_before = proc_status_mb("VmRSS")
        while len(rates) < reps and (not rates or spent < budget):
            # each pass: the summaries and the day's reminders
            await bot.db.transaction(
                lambda conn: [conn.execute(f"DELETE FROM {t}") for t in ("deliveries", "nudge_days")]
            )
            if new_chart:
                bot.app.bot_data.pop(photos.CHARTS, None)
            bot.bench_api.reset()
            gc.collect()
            started = time.perf_counter()
            await bot.run_jobs(SUMMARIES)
            elapsed = time.perf_counter() - started
            spent += elapsed
            sent.append(bot.bench_api.sends())  # the summaries (photos with their caption) and the reminders
            summaries.append(bot.bench_api.prefixes[SUMMARY])
            photos_sent.append(bot.bench_api.methods["sendPhoto"])
            uploads.append(bot.bench_api.uploads)
            rates.append(sent[-1] / elapsed)
    return {
        "rates": rates,
        "sent_per_rep": sent,
        "summaries_per_rep": summaries,
        "photos_per_rep": photos_sent,
        "uploads_per_rep": uploads,
        "rss_before_mb": rss_before,
        "rss_growth_mb": proc_status_mb("VmHWM") - rss_before,
    }


def main(argv: list[str]) -> int:
    database, chats, reps, budget = argv[0], int(argv[1]), int(argv[2]), float(argv[3])
    print(json.dumps(asyncio.run(measure(database, chats, reps, budget, new_chart="--new-chart" in argv[4:]))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
