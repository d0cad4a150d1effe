"""The databases the bench runs on, generated fast and cached under the temp dir, keyed by size.

The Unity Run, its runners and 8 days of runner updates are made through the real bot (/newrun,
/invite, /start <token>, /update, a shared location). The supporters, their pledges and their logs
are bulk-inserted with INSERT ... SELECT from a recursive CTE, in one transaction; what the insert
triggers keep (pledges.logged_m, pledge_totals, members) is computed in bulk the same way, and checked,
so it is what the bot itself would have made.

Many runs (`cached_many_runs_db`): the one-run database of the same size, and 999 other runs added in
bulk beside the Unity Run (`add_runs`), whose rows stay as they were; for the daily summaries of many
runs, `add_summary_chats` subscribes chats of the open runs, each at its own time and zone.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

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


# The triggers that fire on these inserts, and what they maintain (logged km, the run's totals, the
# supporters' membership of the run): dropped for the bulk insert, their rows computed in bulk instead,
# then put back as they were. Any other insert trigger (a new
# migration) makes the generator keep all triggers on: slower, still right.
BULK_TRIGGERS = {"logs_added", "pledges_added", "members_of_pledges"}


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
                "INSERT OR IGNORE INTO members (user_id, run_id, joined_at)"
                " SELECT user_id, run_id, created_at FROM pledges WHERE run_id = :run ORDER BY user_id",
                params,
            )
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
    (strangers,) = conn.execute(
        "SELECT COUNT(*) FROM pledges p WHERE run_id = ?"
        " AND NOT EXISTS (SELECT 1 FROM members m WHERE m.user_id = p.user_id AND m.run_id = p.run_id)",
        (run_id,),
    ).fetchone()
    if strangers:
        raise RuntimeError(f"{strangers} supporters with a pledge are not members of the run")


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
        conn.execute("DELETE FROM chat_runs WHERE chat_id IN (SELECT chat_id FROM subscriptions)")
        conn.execute(  # each chat is about the Unity Run (a group's link, a person's choice)
            "INSERT INTO chat_runs (chat_id, run_id, chosen_by, chosen_at)"
            " SELECT chat_id, 1, subscribed_by, created_at FROM subscriptions"
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


# Many runs: the Unity Run (id 1, as in the one-run database, its supporters, pledges and logs the same)
# and the other runs bulk-inserted after it, ids 2 .. total: the ended ones first, the open ones last
# (created last). Their people have ids of their own, clear of the bench's.
OTHER_ZONES = (
    "Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "America/Los_Angeles",
    "Europe/Berlin", "Asia/Kathmandu", "America/St_Johns", "Pacific/Auckland", "Asia/Kolkata",
)  # fmt: skip
ORGANISER_BASE = 50_000_000  # the creator of run k is ORGANISER_BASE + k; every 4th run has a co-organiser too
CO_ORGANISER_BASE = 51_000_000
RUNNER_BASE = 60_000_000  # run k's lead is RUNNER_BASE + 2k, its companion RUNNER_BASE + 2k + 1
GROUP_BASE = -1_009_000_000_000  # run k's group chat is GROUP_BASE - k
LAST_UPDATE_DAY = "2021-08-21"  # the other runs' updates stop the day before the bench's "today"


def run_title(run_id: int) -> str:
    """The title of a generated run: none is part of another's (the summaries are told apart by it)."""
    return f"Relay {run_id:04d}"


def senders(supporters: int) -> int:
    """The generated supporters the bench's commands come from in the many-runs database: the first half,
    each a member of the Unity Run alone (so no command asks which run). The other half pledged to one other
    run too: a member of two."""
    return max(1, supporters // 2)


def add_runs(path: Path, total: int, open_runs: int) -> None:
    """Runs 2 .. total beside the Unity Run (id 1): `open_runs` - 1 of them open (all under way on the
    bench's day, each in a time zone of its own), the rest ended over the years before. Each has its creator
    (every 4th a co-organiser too), a lead and a companion runner with an update a day (the companion every
    other day), a group chat subscribed to its summary, and pledges from the second half of the generated
    supporters (one other run each: `senders`), 1 in 4 with a log, 1 in 20 following it. Everything by
    INSERT ... SELECT in one transaction, the triggers on: members, the runs' totals and logged km are
    the bot's own. The Unity Run's rows are left as they were (checked)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -2097152")
        conn.execute("PRAGMA temp_store = MEMORY")
        unity = conn.execute("SELECT * FROM pledge_totals WHERE run_id = 1").fetchone()
        (supporters,) = conn.execute("SELECT COUNT(*) FROM supporters WHERE user_id > ?", (SUPPORTER_BASE,)).fetchone()
        first_open = total - open_runs + 2  # the Unity Run is the tenth open one
        params = {"total": total, "first_open": first_open, "zones": len(OTHER_ZONES), "base": SUPPORTER_BASE,
                  "half": senders(supporters), "others": total - 1, "msg": LOG_MESSAGE_BASE + 2,
                  "org": ORGANISER_BASE, "co": CO_ORGANISER_BASE, "runner": RUNNER_BASE, "group": GROUP_BASE,
                  "last_day": LAST_UPDATE_DAY}  # fmt: skip
        conn.execute("BEGIN")
        conn.execute("CREATE TEMP TABLE zones (k INTEGER PRIMARY KEY, name TEXT)")
        conn.executemany("INSERT INTO temp.zones VALUES (?, ?)", enumerate(OTHER_ZONES))
        # Ended: run k started 2015-01-01 + 2(k - 2) days, ran 3-14 days, was closed the evening after its
        # last day (1 in 7 unlisted). Open: started 2021-08-12 .. 20, ends 10-18 days later.
        conn.execute(
            "WITH RECURSIVE seq(k) AS (SELECT 2 UNION ALL SELECT k + 1 FROM seq WHERE k < :total),"
            " dated AS (SELECT k, CASE WHEN k < :first_open THEN date('2015-01-01', printf('+%d days', 2 * (k - 2)))"
            "  ELSE date('2021-08-12', printf('+%d days', k - :first_open)) END AS start,"
            "  CASE WHEN k < :first_open THEN 2 + k % 12 ELSE 10 + k % 9 END AS days FROM seq)"
            " INSERT INTO runs (id, title, start_place, end_place, distance_m, start_date, end_date, timezone,"
            "  ended_at, created_by, created_at, slug, listed)"
            " SELECT k, printf('Relay %04d', k), 'Start ' || k, 'Finish ' || k, (100 + k * 37 % 700) * 1000,"
            "  start, date(start, printf('+%d days', days)),"
            "  (SELECT name FROM temp.zones WHERE zones.k = dated.k % :zones),"
            "  CASE WHEN k < :first_open THEN date(start, printf('+%d days', days + 1)) || 'T18:00:00+00:00' END,"
            "  :org + k, date(start, '-20 days') || 'T09:00:00+00:00', 'run-' || k,"
            "  CASE WHEN k < :first_open THEN k % 7 <> 0 ELSE 1 END"
            " FROM dated",
            params,
        )
        conn.execute(
            "INSERT INTO organisers (run_id, user_id, role, added_at)"
            " SELECT id, created_by, 'creator', created_at FROM runs WHERE id > 1"
            " UNION ALL SELECT id, :co + id, 'co', created_at FROM runs WHERE id > 1 AND id % 4 = 0",
            params,
        )
        conn.execute(
            "INSERT INTO runners (run_id, user_id, name, role, joined_at)"
            " SELECT id, :runner + 2 * id + c, CASE c WHEN 0 THEN 'Lead ' ELSE 'Companion ' END || id,"
            "  CASE c WHEN 0 THEN 'lead' ELSE 'companion' END, created_at"
            " FROM runs, (SELECT 0 AS c UNION ALL SELECT 1) WHERE id > 1 ORDER BY id, c",
            params,
        )
        conn.execute(
            "WITH RECURSIVE days(run_id, day, n, last) AS ("
            "  SELECT id, start_date, 0, min(end_date, :last_day) FROM runs WHERE id > 1"
            "  UNION ALL SELECT run_id, date(day, '+1 day'), n + 1, last FROM days WHERE day < last)"
            " INSERT INTO updates (run_id, runner_id, local_day, metres, note, chat_id, message_id, created_at)"
            " SELECT d.run_id, r.id, d.day, CASE r.role WHEN 'lead' THEN 20000 + (d.run_id * 7 + d.n * 13) % 20000"
            "  ELSE 8000 + d.n * 500 END, 'Day ' || (d.n + 1), r.user_id, d.n + 1, d.day || 'T12:00:00+00:00'"
            " FROM days d JOIN runners r ON r.run_id = d.run_id WHERE r.role = 'lead' OR d.n % 2 = 1"
            " ORDER BY d.run_id, d.day, r.id",
            params,
        )
        conn.execute(
            "INSERT INTO chat_runs (chat_id, run_id, chosen_by, chosen_at)"
            " SELECT :group - id, id, created_by, created_at FROM runs WHERE id > 1",
            params,
        )
        conn.execute(
            "INSERT INTO subscriptions (chat_id, kind, title, local_time, timezone, starts_on, subscribed_by,"
            "  created_at, updated_at)"
            " SELECT :group - id, 'group', title || ' fans', '21:00', NULL, start_date, created_by, created_at,"
            "  created_at FROM runs WHERE id > 1",
            params,
        )
        # The second half of the supporters: one other run each (the triggers make them members of it, keep
        # its totals and their logged km).
        conn.execute(
            "INSERT INTO pledges (run_id, user_id, pledged_m, hidden, created_at, pledged_at, updated_at)"
            " SELECT r.id, s.user_id, CASE WHEN s.user_id % 10 < 8 THEN (s.user_id * 7 % 300 + 1) * 100 END,"
            "  s.hidden, r.start_date || 'T06:00:00+00:00',"
            "  CASE WHEN s.user_id % 10 < 8 THEN r.start_date || 'T06:00:00+00:00' END,"
            "  r.start_date || 'T06:00:00+00:00'"
            " FROM supporters s JOIN runs r ON r.id = 2 + (s.user_id - :base) % :others"
            " WHERE s.user_id > :base + :half ORDER BY r.id, s.user_id",
            params,
        )
        conn.execute(
            "INSERT INTO logs (run_id, user_id, local_day, metres, note, chat_id, message_id, created_at)"
            " SELECT p.run_id, p.user_id, r.start_date, 1000 + p.user_id % 5000, NULL, p.user_id, :msg,"
            "  r.start_date || 'T15:00:00+00:00'"
            " FROM pledges p JOIN runs r ON r.id = p.run_id WHERE p.run_id > 1 AND p.user_id % 4 = 0"
            " ORDER BY p.run_id, p.user_id",
            params,
        )
        conn.execute(
            "INSERT INTO followers (run_id, user_id, created_at)"
            " SELECT run_id, user_id, created_at FROM pledges WHERE run_id > 1 AND user_id % 20 = 1",
        )
        if conn.execute("SELECT * FROM pledge_totals WHERE run_id = 1").fetchone() != unity:
            raise RuntimeError("adding the other runs changed the Unity Run's totals")
        if supporters <= 100_000:
            _check_members(conn, supporters)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
    finally:
        conn.close()


def _check_members(conn: sqlite3.Connection, supporters: int) -> None:
    """Each generated supporter is a member of one run (the senders) or two (the others)."""
    rows = conn.execute(
        "SELECT user_id, COUNT(*) FROM members WHERE user_id > ? AND user_id <= ? GROUP BY user_id",
        (SUPPORTER_BASE, SUPPORTER_BASE + supporters),
    ).fetchall()
    last_sender = SUPPORTER_BASE + senders(supporters)
    wrong = [user for user, runs in rows if runs != (1 if user <= last_sender else 2)]
    if wrong or len(rows) != supporters:
        raise RuntimeError(f"{len(wrong)} supporters in the wrong number of runs; {len(rows)} of {supporters} found")


def link_new_users(path: Path, first: int, count: int, run_id: int = 1) -> None:
    """Users first .. first + count - 1 opened the run's link (`?start=<slug>`) before their first command, as
    the bot records it: their private chat is about the run, and they are its members."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        for table, columns in (("chat_runs", "(chat_id, run_id, chosen_by, chosen_at)"),
                               ("members", "(user_id, run_id, joined_at)")):  # fmt: skip
            chooser = "i, " if table == "chat_runs" else ""
            conn.execute(
                f"WITH RECURSIVE seq(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM seq WHERE i < ?)"
                f" INSERT OR IGNORE INTO {table} {columns} SELECT i, ?, {chooser}'2021-08-14T12:00:00+00:00' FROM seq",
                (first, first + count - 1, run_id),
            )
        conn.execute("COMMIT")
    finally:
        conn.close()


# The daily summaries of many runs: chats in these zones (None: the run's own), at these local times
# (and 1 in 3 at a minute of its own), from this moment for a day.
SUMMARY_ZONES: tuple[str | None, ...] = (
    "Asia/Kolkata", "Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney", None,
    "America/Los_Angeles", "Europe/Berlin", "Asia/Kathmandu", "America/St_Johns", "Pacific/Auckland",
)  # fmt: skip
SUMMARY_TIMES = ("06:30", "07:00", "08:00", "12:00", "18:00", "19:30", "20:00", "21:00", "21:30", "22:00", "23:45")
SUMMARY_DAY = datetime(2021, 8, 22, tzinfo=UTC)  # the simulated day starts at midnight UTC
PRIVATE_CHAT_BASE = 70_000_000  # private chats (their people's ids) of the summaries' chats
SUMMARY_GROUP_BASE = -1_008_000_000_000


@dataclass(frozen=True)
class SummaryChat:
    """A chat subscribed to the summary of a run, at its local time in its zone (None: the run's)."""

    chat_id: int
    run_id: int
    title: str  # the run's
    zone: str
    local_time: str


def add_summary_chats(path: Path, chats: int, start: datetime = SUMMARY_DAY) -> list[SummaryChat]:
    """`chats` chats (3 in 4 groups) subscribed at `start`, spread over the open runs (each chat about one
    run, in chat_runs), their zones and local times: each is due once in the day from `start` (a chat whose
    time has passed at `start` starts the next day, as /subscribe does). The other subscriptions go; the
    pace reminders of those days are marked done (they go to the supporters, not to these chats)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        runs = conn.execute("SELECT id, title, timezone FROM runs WHERE ended_at IS NULL ORDER BY id").fetchall()
        rng = random.Random(22)
        found, rows = [], []
        for i in range(chats):
            run_id, title, run_zone = runs[i % len(runs)]
            zone = SUMMARY_ZONES[(i // len(runs)) % len(SUMMARY_ZONES)]
            local_time = f"{rng.randrange(24):02d}:{rng.randrange(60):02d}" if i % 3 == 0 else rng.choice(SUMMARY_TIMES)
            local = start.astimezone(ZoneInfo(zone or run_zone))
            starts_on = local.date() + timedelta(days=local_time < f"{local:%H:%M}")
            group = i % 4 != 0
            chat_id = SUMMARY_GROUP_BASE - i if group else PRIVATE_CHAT_BASE + i
            found.append(SummaryChat(chat_id, run_id, title, zone or run_zone, local_time))
            rows.append((chat_id, "group" if group else "private", f"Fans {i}" if group else None, local_time, zone,
                         starts_on.isoformat(), PRIVATE_CHAT_BASE + i, run_id))  # fmt: skip
        conn.execute("BEGIN")
        conn.execute("DELETE FROM subscriptions")
        conn.executemany(
            "INSERT INTO subscriptions (chat_id, kind, title, local_time, timezone, starts_on, subscribed_by,"
            " created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?9)",
            [(*row[:7], None, f"{start.isoformat()}") for row in rows],
        )
        conn.executemany(
            "INSERT INTO chat_runs (chat_id, run_id, chosen_by, chosen_at) VALUES (?1, ?8, ?7, ?9)",
            [(*row, start.isoformat()) for row in rows],
        )
        conn.execute(
            "WITH RECURSIVE days(day) AS (SELECT date(?, '-2 days') UNION ALL SELECT date(day, '+1 day') FROM days"
            " WHERE day < date(?, '+2 days'))"
            " INSERT OR IGNORE INTO nudge_days (run_id, day, done_at) SELECT id, day, ? FROM runs, days"
            " WHERE ended_at IS NULL",
            (start.date().isoformat(), start.date().isoformat(), start.isoformat()),
        )
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return found


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


async def cached_many_runs_db(supporters: int, total: int, open_runs: int, fresh: bool = False) -> tuple[Path, float]:
    """The one-run database of `supporters` with `total` - 1 other runs added (`add_runs`): (path, seconds
    spent making it, the one-run database's included; 0 if cached)."""
    path = cache_dir() / f"runs-{total}-open-{open_runs}-supporters-{supporters}.db"
    if path.exists() and not fresh:
        return path, 0.0
    started = time.perf_counter()
    source, _ = await cached_db(supporters, fresh)
    partial = path.with_name(f"{path.stem}.partial-{os.getpid()}.db")
    for leftover in partial.parent.glob(partial.name + "*"):
        leftover.unlink()
    shutil.copyfile(source, partial)
    await asyncio.to_thread(add_runs, partial, total, open_runs)
    partial.replace(path)
    return path, time.perf_counter() - started


def working_copy(source: Path, folder: Path, name: str) -> Path:
    """A copy to run on, so the cached database stays as generated."""
    target = folder / name
    for leftover in folder.glob(name + "*"):
        leftover.unlink()
    shutil.copyfile(source, target)
    return target
