"""`python -m bench [--json PATH] [--quick] [--one-cpu] [--sections NAME,...] [--check] [--growth-sizes N,...]
[--runs-supporters N]` (cost, burst, growth, broadcast, startup, files, web, chart), from the repo root.

First, before any work, it checks that the machine has what each chosen section needs (bench/preflight.py:
the bot's packages, `wrk` for web, Linux's /proc) and stops with what is missing and how to install it;
`--check` only does that. Then it runs the sections, prints a markdown table (a ✓/✗ per target) and
writes the figures as JSON. Before the sections it measures one aiosqlite round trip (`SELECT 1`), the
unit most of the bot's cost per update is counted in: on a virtual machine, waking the database thread
on another CPU can cost several times what it costs on the same CPU, which `--one-cpu` (this process
and its children pinned to one CPU) shows."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bench import preflight

if TYPE_CHECKING:
    from bench.common import Options

SECTIONS = ("cost", "burst", "growth", "broadcast", "startup", "files", "web", "chart")


async def round_trip_us(trips: int = 2000) -> float:
    """The median time of one aiosqlite round trip, in µs."""
    import aiosqlite

    async with aiosqlite.connect(":memory:") as conn:
        times = []
        for _ in range(trips):
            started = time.perf_counter()
            await conn.execute_fetchall("SELECT 1")
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


async def run(names: list[str], opts: Options, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the sections in-process; the results by section name (and how long each took)."""
    from bench import sections

    results: dict[str, Any] = {}
    for name in names:
        started = time.perf_counter()
        if progress:
            progress(f"{name}…")
        if name == "startup":
            results[name] = await asyncio.to_thread(sections.startup, opts)
        else:
            results[name] = await getattr(sections, name)(opts)
        results[name]["section_s"] = round(time.perf_counter() - started, 1)
        if progress:
            progress(f"{name}: {results[name]['section_s']} s")
    return results


def _cpus_used() -> int:
    """The CPUs this process may run on (os.cpu_count() where the system cannot say)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--json", metavar="PATH", help="write the results there as JSON")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test of the bench itself")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, of {', '.join(SECTIONS)}")
    parser.add_argument("--fresh", action="store_true", help="regenerate the cached databases")
    parser.add_argument(
        "--growth-sizes",
        metavar="N,...",
        help="growth: the supporters of its one-run databases (default 1000,100000,1000000)",
    )
    parser.add_argument(
        "--runs-supporters",
        metavar="N",
        type=int,
        help="growth: the supporters of the 1,000-runs database and of the one-run database it is compared with"
        " (default 1M; --quick 10k)",
    )
    parser.add_argument("--one-cpu", action="store_true", help="pin this process and its children to one CPU")
    parser.add_argument(
        "--check", action="store_true", help="only check that this machine has what the sections need; run nothing"
    )
    args = parser.parse_args(argv)
    names = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in names if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s): {', '.join(unknown)}")
    found_needs = preflight.check(names, one_cpu=args.one_cpu)
    if args.check:
        print(preflight.report(found_needs, names))
        return 0 if all(f.ok for f in found_needs) else 2
    refused = preflight.refusal(found_needs, names)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    # Only now: the packages they need are there.
    from bench import report
    from bench.common import Options

    if args.one_cpu:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    opts = Options.quick() if args.quick else Options()
    opts.fresh = args.fresh
    if args.growth_sizes:
        opts.growth_sizes = tuple(int(size) for size in args.growth_sizes.split(","))
    if args.runs_supporters:
        opts.runs_supporters = args.runs_supporters
    started = time.perf_counter()
    trip_us = asyncio.run(round_trip_us())
    try:
        results = asyncio.run(run(names, opts, progress=lambda text: print(f"… {text}", file=sys.stderr)))
    finally:
        shutil.rmtree(opts.workdir, ignore_errors=True)
    found = report.targets(results)
    document: dict[str, Any] = {
        "meta": {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": args.quick,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "cpus_used": _cpus_used(),
            "aiosqlite_round_trip_us": round(trip_us, 1),
            "seconds": round(time.perf_counter() - started, 1),
        },
        "results": results,
        "targets": found,
    }
    cpus = "pinned to one CPU" if args.one_cpu else f"{_cpus_used()} CPUs"
    print(f"Python {platform.python_version()}, {cpus}; one aiosqlite round trip: {trip_us:.0f} µs\n")
    print(report.table(results))
    print(f"{sum(t['ok'] for t in found)} of {len(found)} targets met · {document['meta']['seconds']} s")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
