"""`python -m bench.backup_time [--supporters N] [--writes]`, from the repo root: how long
`python -m bot backup` takes on a database with N supporters (default 1,000,000; each with a pledge
row and, for 4 in 5, two logs: bench/data.py builds it once and caches it under the temp dir).

Prints the database's size, the whole backup (online copy + integrity_check + fsync + rename), the
integrity_check alone on the copy, the quick_check `python -m bot check` runs, and the restore
(its integrity_check and the file swap). `--writes` keeps a writer busy on the live database
(a log a millisecond, as the bot would on one connection) during the backup, and counts its writes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bench.data import LOG_MESSAGE_BASE, SUPPORTER_BASE, cached_db, working_copy
from bot.ops.maintenance import restore
from storage.backup import backup, inspect

T = TypeVar("T")


async def writer(db: Path, stop: asyncio.Event) -> int:
    """Logs 100 m for a supporter once a millisecond, each in its own transaction, until `stop`."""
    written = 0
    async with aiosqlite.connect(db, isolation_level=None) as conn:
        await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA busy_timeout = 5000")
        [(run_id,)] = await conn.execute_fetchall("SELECT id FROM runs ORDER BY id DESC LIMIT 1")
        while not stop.is_set():
            await conn.execute("BEGIN IMMEDIATE")
            await conn.execute(
                "INSERT INTO logs (run_id, user_id, local_day, metres, chat_id, message_id, created_at)"
                " VALUES (?, ?, '2021-08-22', 100, ?, ?, '2021-08-22T04:30:00+00:00')",
                (run_id, SUPPORTER_BASE + 1, SUPPORTER_BASE + 1, LOG_MESSAGE_BASE + 10 + written),
            )
            await conn.execute("COMMIT")
            written += 1
            await asyncio.sleep(0.001)
    return written


def timed(func: Callable[..., T], *args: Any) -> tuple[T, float]:
    started = time.perf_counter()
    result = func(*args)
    return result, time.perf_counter() - started


async def main(supporters: int, writes: bool) -> None:
    source, made_in = await cached_db(supporters)
    if made_in:
        print(f"built the database with {supporters:,} supporters in {made_in:.0f} s (cached for next time)")
    with tempfile.TemporaryDirectory(prefix="runalong-backup-") as folder:
        work = Path(folder)
        live = working_copy(source, work, "bot.db")
        stop = asyncio.Event()
        busy = asyncio.create_task(writer(live, stop)) if writes else None
        report = await backup(live, work / "backups" / "bot-backup.db")
        stop.set()
        written = await busy if busy else 0
        _, integrity = timed(inspect, report.path, True)
        _, quick = timed(inspect, live, False)
        _, restoring = timed(restore, report.path, work / "restored" / "bot.db")
        print(f"{supporters:,} supporters · database {report.size_bytes / 1e6:.0f} MB")
        print(f"backup (online copy + integrity_check + fsync + rename): {report.seconds:.1f} s")
        print(f"  of which integrity_check on the copy: {integrity:.1f} s")
        if busy:
            print(f"  writes committed on the live database meanwhile: {written:,} (not blocked)")
        print(f"check's quick_check on the live database: {quick:.1f} s")
        print(f"restore (integrity_check of the backup + file swap): {restoring:.1f} s")
        with contextlib.closing(sqlite3.connect(work / "restored" / "bot.db")) as conn:
            (logs,) = conn.execute("SELECT COUNT(*) FROM logs").fetchone()
        print(f"restored logs: {logs:,}")
        shutil.rmtree(work / "backups", ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.backup_time", description=__doc__)
    parser.add_argument("--supporters", type=int, default=1_000_000, metavar="N")
    parser.add_argument("--writes", action="store_true", help="a writer commits a log every millisecond meanwhile")
    args = parser.parse_args()
    asyncio.run(main(args.supporters, args.writes))
