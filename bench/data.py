"""The databases the bench runs on, generated fast and cached under the temp dir, keyed by size.

The Unity Run, its runners and 8 days of runner updates are made through the real bot (/newrun,
/invite, /start <token>, /update, a shared location). The supporters, their pledges and their logs
are bulk-inserted with INSERT ... SELECT from a recursive CTE, in one transaction, with the
triggers of 0002_pledges.sql left on, so pledges.logged_m and pledge_totals are what the bot
itself would have made.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.harness import ANKITA, MILIND, ORGANISER, BotHarness
from bot.demo.simulator import Clock

REPO = Path(__file__).resolve().parent.parent
UNITY_RUN = "/newrun The Unity Run | Mumbai | Statue of Unity | 416 | 2021-08-15 | 2021-08-22 | Asia/Kolkata"
RUN_DAYS = 8
DAY1 = datetime(2021, 8, 15, tzinfo=UTC)  # the run's first local day (IST is UTC+05:30)
TODAY = datetime(2021, 8, 22, 4, 30, tzinfo=UTC)  # 10:00 in Mumbai on day 8, the last day: "now" for commands
SUMMARY_AT = datetime(2021, 8, 22, 15, 35, tzinfo=UTC)  # 21:05 in Mumbai on day 8: the summaries are due
STALE_AFTER = 3600  # seconds: a cache folder of another key untouched this long is removed
SUPPORTER_BASE = 10_000_000  # generated supporters are SUPPORTER_BASE + 1 .. SUPPORTER_BASE + n
LOG_MESSAGE_BASE = 900_000_000  # message ids of generated logs, clear of the ones the bench sends
# The lead's km on days 1-7 (two posts a day) and the companion's; day 8 has three posts so far.
LEAD_KM = (35, 38, 36, 33, 34, 30, 32)
COMPANION_KM = (12, 10, 11, 9, 10, 8, 10)


def at(day: int, hour: float) -> datetime:
    """A moment on local `day` of the run (1-based), `hour` in UTC."""
    return DAY1 + timedelta(days=day - 1, hours=hour)


def epoch(day: int, hour: float) -> int:
    return int(at(day, hour).timestamp())


def cache_dir() -> Path:
    """Keyed by the schema and the code that writes data, so a new migration makes new databases."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "storage").rglob("*")):
        if path.suffix in (".py", ".sql"):
            digest.update(path.name.encode() + path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    root = Path(tempfile.gettempdir()) / "runalong-bench"
    folder = root / digest.hexdigest()[:16]
    folder.mkdir(parents=True, exist_ok=True)
    for stale in root.iterdir():  # databases of an older schema (the 1M one is ~450 MB); not one in the making
        if stale != folder and stale.is_dir() and time.time() - stale.stat().st_mtime > STALE_AFTER:
            shutil.rmtree(stale, ignore_errors=True)
    return folder


async def make_run(path: Path) -> None:
    """The Unity Run with Milind (lead) and Ankita (companion), 8 days of updates and a position."""
    clock = Clock(at(1, -5))  # the evening before day 1
    async with BotHarness(path, clock) as bot:
        await _expect(bot.say(ORGANISER, UNITY_RUN), "Unity Run")
        for person, role in ((MILIND, "lead"), (ANKITA, "companion")):
            link = await bot.say(ORGANISER, f"/invite {role}")
            await _expect(bot.say(person, f"/start {link.rsplit('start=', 1)[1].split()[0]}"), "Unity Run")
        for day in range(1, RUN_DAYS):
            clock.now = at(day, 6)
            await _expect(bot.say(MILIND, f"/update {LEAD_KM[day - 1] // 2} Morning stretch"), "Posted")
            await _expect(bot.say(ANKITA, f"/update {COMPANION_KM[day - 1]} Beside Milind"), "Posted")
            clock.now = at(day, 13)
            await _expect(bot.say(MILIND, f"/update {LEAD_KM[day - 1] - LEAD_KM[day - 1] // 2} Evening"), "Posted")
        clock.now = at(RUN_DAYS, 3)
        await _expect(bot.say(MILIND, "/update 6 Dawn start, cool breeze"), "Posted")
        await _expect(bot.say(ANKITA, "/update 5.5 With the group from Bharuch"), "Posted")
        await bot.send(bot.updates.location(MILIND, 21.838, 73.719))
        clock.now = at(RUN_DAYS, 4)
        await _expect(bot.say(MILIND, "/update 6.2 Sardar Sarovar in sight"), "Posted")
        # The bench's updates start at the same ids again: forget these, as the bot does after 2 days.
        await bot.db.transaction(lambda conn: conn.execute("DELETE FROM inbox"))


async def _expect(reply: Awaitable[str], marker: str) -> str:
    text = await reply
    if marker not in text:
        raise RuntimeError(f"setting up the run: expected {marker!r} in the reply, got {text!r}")
    return text


# The triggers that fire on these inserts, and what they maintain: dropped for the bulk insert, their
# figures computed in bulk instead, then put back as they were. Any other insert trigger (a new
# migration) makes the generator keep all triggers on: slower, still right.
BULK_TRIGGERS = {"logs_added", "pledges_added"}


def _log_metres(k: int) -> str:
    return f"(500 + user_id * {31 + k * 6} % 9500)"


def add_supporters(path: Path, n: int) -> None:
    """n supporters, a pledge row each (8 in 10 pledged, 1 in 50 hidden), and two logs for 4 in 5 of them."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")  # back to WAL below; one big write needs no WAL
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -2097152")  # up to 2 GB: the indexes' pages stay in memory
        conn.execute("PRAGMA temp_store = MEMORY")  # the sorts that build the indexes
        (run_id,) = conn.execute("SELECT id FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        params = {"n": n, "base": SUPPORTER_BASE, "run": run_id, "msg": LOG_MESSAGE_BASE,
                  "at": "2021-08-14T12:00:00+00:00"}  # fmt: skip
        triggers = dict(
            conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name IN ('supporters', 'pledges', 'logs') AND sql LIKE '%INSERT ON%'"
            ).fetchall()
        )
        fast = set(triggers) == BULK_TRIGGERS
        # Indexes are built faster in one sort after the rows are in than row by row (UNIQUE ones stay).
        indexes = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            " AND tbl_name IN ('supporters', 'pledges', 'logs')"
        ).fetchall()
        conn.execute("BEGIN")
        for name, _ in indexes:
            conn.execute(f"DROP INDEX {name}")
        if fast:
            for name in triggers:
                conn.execute(f"DROP TRIGGER {name}")
        conn.execute(
            "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n)"
            " INSERT INTO supporters (user_id, first_name, hidden, updated_at)"
            " SELECT :base + i, 'Fan' || i, i % 50 = 0, :at FROM seq",
            params,
        )
        logged = f"CASE WHEN user_id % 5 <> 0 THEN {_log_metres(0)} + {_log_metres(1)} ELSE 0 END" if fast else "0"
        conn.execute(
            "INSERT INTO pledges (run_id, user_id, pledged_m, logged_m, hidden, created_at, pledged_at, updated_at)"
            " SELECT :run, user_id, CASE WHEN user_id % 10 < 8 THEN (user_id * 7919 % 400 + 1) * 100 END,"
            f"  {logged}, hidden, :at,"
            "  CASE WHEN user_id % 10 < 8 THEN printf('2021-08-%02dT%02d:%02d:00+00:00', 15 + user_id % 7,"
            "   user_id % 24, user_id % 60) END, :at"
            " FROM supporters WHERE user_id > :base ORDER BY user_id",
            params,
        )
        conn.execute(
            "INSERT INTO logs (run_id, user_id, local_day, metres, note, chat_id, message_id, created_at)"
            " SELECT :run, user_id, printf('2021-08-%02d', 15 + (user_id + k * 3) % 8),"
            f"  CASE k WHEN 0 THEN {_log_metres(0)} ELSE {_log_metres(1)} END,"
            "  CASE WHEN user_id % 3 = 0 THEN 'Evening walk' END, user_id, :msg + k,"
            "  printf('2021-08-%02dT%02d:00:00+00:00', 15 + (user_id + k * 3) % 8, user_id % 4)"
            " FROM supporters, (SELECT 0 AS k UNION ALL SELECT 1)"
            " WHERE user_id > :base AND user_id % 5 <> 0 ORDER BY user_id, k",
            params,
        )
        if fast:
            conn.execute(
                "INSERT INTO pledge_totals (run_id, supporters, pledged_m, logged_m)"
                " SELECT :run, COUNT(pledged_m), COALESCE(SUM(pledged_m), 0), COALESCE(SUM(logged_m), 0)"
                " FROM pledges WHERE run_id = :run ON CONFLICT (run_id) DO UPDATE SET"
                " supporters = excluded.supporters, pledged_m = excluded.pledged_m, logged_m = excluded.logged_m",
                params,
            )
            for sql in triggers.values():
                conn.execute(sql)
        for _, sql in indexes:
            conn.execute(sql)
        if n <= 100_000:  # the figures follow one formula at every size: checking the smaller ones is enough
            _check_totals(conn, run_id)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def _check_totals(conn: sqlite3.Connection, run_id: int) -> None:
    """What the triggers would have kept: the run's totals and each supporter's logged km agree with the rows."""
    totals = conn.execute("SELECT supporters, pledged_m, logged_m FROM pledge_totals WHERE run_id = ?", (run_id,))
    rows = conn.execute(
        "SELECT COUNT(pledged_m), COALESCE(SUM(pledged_m), 0),"
        " (SELECT COALESCE(SUM(metres), 0) FROM logs WHERE run_id = ?) FROM pledges WHERE run_id = ?",
        (run_id, run_id),
    )
    expected, found = rows.fetchone(), totals.fetchone()
    if found is None or tuple(found) != tuple(expected):
        raise RuntimeError(f"generated totals {found} do not match the rows {expected}")


def add_subscriptions(path: Path, n: int) -> None:
    """n chats subscribed to the daily summary at 21:00 in the run's zone: 3 in 4 groups, the rest private."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.execute("DELETE FROM subscriptions")
        conn.execute(
            "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)"
            " INSERT INTO subscriptions (chat_id, kind, title, local_time, timezone, starts_on, subscribed_by,"
            "  created_at, updated_at)"
            " SELECT CASE WHEN i % 4 THEN -1000000000000 - i ELSE 40000000 + i END,"
            "  CASE WHEN i % 4 THEN 'group' ELSE 'private' END, CASE WHEN i % 4 THEN 'Runners club ' || i END,"
            "  '21:00', NULL, '2021-08-15', 40000000 + i, '2021-08-14T12:00:00+00:00', '2021-08-14T12:00:00+00:00'"
            " FROM seq",
            (n,),
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


async def cached_db(supporters: int, fresh: bool = False) -> tuple[Path, float]:
    """The cached database with the run and `supporters` supporters: (path, seconds spent making it, 0 if cached)."""
    path = cache_dir() / f"supporters-{supporters}.db"
    if path.exists() and not fresh:
        return path, 0.0
    started = time.perf_counter()
    partial = path.with_name(f"{path.stem}.partial-{os.getpid()}.db")  # two runs at once do not collide
    for leftover in partial.parent.glob(partial.name + "*"):
        leftover.unlink()
    await make_run(partial)
    await asyncio.to_thread(add_supporters, partial, supporters)
    partial.replace(path)
    return path, time.perf_counter() - started


def working_copy(source: Path, folder: Path, name: str) -> Path:
    """A copy to run on, so the cached database stays as generated."""
    target = folder / name
    for leftover in folder.glob(name + "*"):
        leftover.unlink()
    shutil.copyfile(source, target)
    return target
