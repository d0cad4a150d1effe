"""Backups, restores and `check`: what keeps the supporters' pledges safe on a real server."""

import asyncio
import os
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from telegram.ext import AIORateLimiter

from bot.__main__ import main
from bot.demo.simulator import FAKE_TOKEN, Clock, FakeBotAPI, Person, Simulator, error
from bot.ops.config import parse_settings
from bot.ops.instance_lock import InstanceLock
from bot.ops.maintenance import RestoreRefused, check, restore, settings_problems, survey
from storage.backup import BackupError, backup, backup_before_migrating, latest_version
from storage.db import Database
from tests.conftest import ASHA, DAY1_MORNING, ORGANISER, RAVI, UNITY_RUN, pledged_crowd

FANS = [Person(5000 + i, f"Fan{i}") for i in range(20)]
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def read(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def log_ids(db: Path) -> set[int]:
    return {row[0] for row in read(db, "SELECT id FROM logs")}


async def say_again(sim: Simulator, person: Person, text: str, offset: int = 1_000_000) -> str:
    """`sim.say` from a later start of the bot on the same database: update ids past the ones handled before."""
    payload = sim.updates.text(person, text)
    payload["update_id"] += offset
    calls = await sim.send(payload)
    return "\n".join(c.text for c in calls if c.method == "sendMessage")


async def first_done(tasks: list[asyncio.Task], n: int) -> None:
    """Return once `n` of `tasks` are done."""
    enough, done = asyncio.Event(), [0]

    def count(_: asyncio.Task) -> None:
        done[0] += 1
        if done[0] >= n:
            enough.set()

    for task in tasks:
        task.add_done_callback(count)
    await enough.wait()


def settings_for(db: Path, token: str = FAKE_TOKEN):
    return parse_settings({"TELEGRAM_BOT_TOKEN": token, "DATABASE_URL": f"sqlite:///{db}"})


async def unity_run_with_supporters(db: Path, supporters: int = 3) -> None:
    """A database as the bot leaves it: the Unity Run, Asha's pledge and log, a crowd of pledges."""
    async with Simulator(db, admin_ids=frozenset({ORGANISER.id}), clock=Clock(DAY1_MORNING)) as sim:
        await sim.say(ORGANISER, UNITY_RUN)
        await sim.say(ASHA, "/pledge")
        await sim.say(ASHA, "/log 5 Marine Drive")
        await pledged_crowd(sim, supporters)


# --- backup ----------------------------------------------------------------------------------------


@pytest.fixture
async def unity_unthrottled(tmp_path):
    """The Unity Run on a bot whose replies are not held to Telegram's 30 a second (1,000 replies here)."""
    limiter = AIORateLimiter(overall_max_rate=0, group_max_rate=0)
    clock = Clock(DAY1_MORNING)
    async with Simulator(tmp_path / "bot.db", frozenset({ORGANISER.id}), clock, rate_limiter=limiter) as sim:
        await sim.say(ORGANISER, UNITY_RUN)
        yield sim


async def test_a_backup_taken_during_a_burst_of_1000_logs_holds_every_log_committed_before_it(
    unity_unthrottled, tmp_path
):
    unity = unity_unthrottled
    db = Path(unity.settings.database_path)
    burst = [asyncio.create_task(unity.say(FANS[i % len(FANS)], f"/log 0.{i % 9 + 1}")) for i in range(1000)]
    await first_done(burst, 300)  # part of the burst is committed and answered, the rest still to come
    committed_before = log_ids(db)
    assert any(not task.done() for task in burst)  # the backup starts with /log's still being handled

    report = await backup(db, tmp_path / "backups" / "during.db")
    replies = await asyncio.gather(*burst)

    assert all(reply.startswith("✅ Logged") for reply in replies)
    assert len(log_ids(db)) == 1000
    restored = tmp_path / "restored" / "bot.db"
    restore(report.path, restored)
    assert read(restored, "PRAGMA integrity_check") == [("ok",)]
    in_backup = log_ids(restored)
    assert committed_before <= in_backup <= log_ids(db)
    # One snapshot: each supporter's total (kept by a trigger in the same transaction) is the sum of their logs.
    totals = read(
        restored,
        "SELECT p.user_id, p.logged_m, COALESCE(SUM(l.metres), 0) FROM pledges p"
        " LEFT JOIN logs l USING (run_id, user_id) GROUP BY p.user_id",
    )
    assert all(logged == summed for _, logged, summed in totals)
    assert read(restored, "SELECT logged_m FROM pledge_totals") == [(sum(s for _, _, s in totals),)]


async def test_after_a_restore_the_bot_shows_the_pledges_as_they_were_at_the_backup(tmp_path):
    live = tmp_path / "bot.db"
    await unity_run_with_supporters(live)
    report = await backup(live, tmp_path / "copy.db")
    async with Simulator(live, clock=Clock(DAY1_MORNING)) as sim:
        assert "8 of 20.8 km" in await say_again(sim, ASHA, "/log 3")
    restore(report.path, live)
    async with Simulator(live, clock=Clock(DAY1_MORNING)) as sim:
        assert "<b>5 of 20.8 km</b> logged" in await say_again(sim, ASHA, "/mypledge", offset=2_000_000)


async def test_a_backup_is_one_checked_file_named_as_asked(tmp_path):
    live = tmp_path / "bot.db"
    await unity_run_with_supporters(live)
    target = tmp_path / "backups" / "nightly.db"
    report = await backup(live, target)
    assert report.path == target
    assert report.schema_version == latest_version()
    assert report.size_bytes == target.stat().st_size
    assert sorted(p.name for p in target.parent.iterdir()) == ["nightly.db"]  # no -wal, no partial file left
    assert read(target, "PRAGMA journal_mode") == [("delete",)]
    assert read(target, "SELECT COUNT(*) FROM pledges") == [(4,)]


async def test_a_backup_of_a_missing_database_fails_and_leaves_no_file(tmp_path):
    with pytest.raises(BackupError, match=r"could not copy .*nothing\.db: no database there"):
        await backup(tmp_path / "nothing.db", tmp_path / "copy.db")
    assert list(tmp_path.iterdir()) == []


async def test_a_failed_backup_leaves_the_previous_backup_in_place(tmp_path):
    live = tmp_path / "bot.db"
    await unity_run_with_supporters(live)
    target = tmp_path / "copy.db"
    await backup(live, target)
    before = target.read_bytes()
    with pytest.raises(BackupError):
        await backup(tmp_path / "moved-away.db", target)
    assert target.read_bytes() == before


# --- restore ---------------------------------------------------------------------------------------


@pytest.fixture
async def live_and_backup(tmp_path):
    """The live database and a backup of it taken before Ravi pledged."""
    live = tmp_path / "bot.db"
    await unity_run_with_supporters(live)
    report = await backup(live, tmp_path / "copy.db")
    async with Simulator(live, clock=Clock(DAY1_MORNING)) as sim:
        assert "You pledged <b>41.6 km</b>" in await say_again(sim, RAVI, "/pledge 10%")
    return live, report.path


async def test_restore_brings_back_the_backup_and_keeps_the_database_it_replaced(live_and_backup):
    live, copy = live_and_backup
    kept = restore(copy, live, now=NOW)
    assert kept == live.with_name("bot.db.before-restore-20261130T1200Z.bak")
    assert read(live, "SELECT user_id FROM pledges WHERE user_id = 3002") == []
    assert read(kept, "SELECT user_id FROM pledges WHERE user_id = 3002") == [(3002,)]


async def test_restore_after_a_crash_replays_nothing_of_the_old_wal_and_keeps_it(live_and_backup, tmp_path):
    live, copy = live_and_backup
    crashed = tmp_path / "crashed" / "bot.db"
    crashed.parent.mkdir()
    async with Simulator(live, clock=Clock(DAY1_MORNING)) as sim:
        assert "Logged" in await say_again(sim, RAVI, "/log 7", offset=3_000_000)
        # kill -9 now: the database file and its -wal, the last transactions still only in the -wal
        shutil.copyfile(live, crashed)
        shutil.copyfile(f"{live}-wal", f"{crashed}-wal")
    kept = restore(copy, crashed, now=NOW)
    assert read(crashed, "PRAGMA integrity_check") == [("ok",)]
    assert read(crashed, "SELECT COUNT(*) FROM pledges WHERE user_id = 3002") == [(0,)]
    assert read(kept, "SELECT logged_m FROM pledges WHERE user_id = 3002") == [(7000,)]


async def test_a_restore_run_as_root_gives_the_database_to_the_bots_user(live_and_backup, monkeypatch):
    live, copy = live_and_backup
    chowned = {}
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(os, "chown", lambda path, uid, gid: chowned.update({Path(path).name: (uid, gid)}))
    restore(copy, live)
    folder = live.parent.stat()  # /var/lib/runalong-bot, the bot user's
    assert chowned == {"bot.db": (folder.st_uid, folder.st_gid), "bot.db.lock": (folder.st_uid, folder.st_gid)}


async def test_restore_refuses_while_the_bot_is_running(live_and_backup):
    live, copy = live_and_backup
    before = read(live, "SELECT * FROM pledges")
    with InstanceLock(live), pytest.raises(RestoreRefused, match=r"the bot is running: process \d+ holds"):
        restore(copy, live)
    assert read(live, "SELECT * FROM pledges") == before


async def test_restore_refuses_a_file_that_is_not_a_database(live_and_backup):
    live, _ = live_and_backup
    notes = live.with_name("notes.txt")
    notes.write_text("pledges: Asha 20.8 km\n" * 100)
    refusal = r"is not a backup of this bot: .* not a SQLite database \(file is not a database\)"
    with pytest.raises(RestoreRefused, match=refusal):
        restore(notes, live)


async def test_restore_refuses_another_programs_database(live_and_backup):
    live, _ = live_and_backup
    other = live.with_name("other.db")
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with pytest.raises(RestoreRefused, match="lacks tables of this bot at schema version 1: handled_updates"):
        restore(other, live)


async def test_restore_refuses_a_backup_from_a_newer_version(live_and_backup):
    live, copy = live_and_backup
    newer = latest_version() + 1
    read(copy, f"PRAGMA user_version = {newer}")
    with pytest.raises(RestoreRefused, match=f"schema version {newer} is newer than this code's"):
        restore(copy, live)
    assert read(live, "PRAGMA user_version") == [(latest_version(),)]


async def test_restore_refuses_the_database_itself(live_and_backup):
    live, _ = live_and_backup
    with pytest.raises(RestoreRefused, match="is the database itself"):
        restore(live, live)


def test_restore_command_says_why_it_refused(live_and_backup, capsys, monkeypatch, tmp_path):
    live, copy = live_and_backup
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{live}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)  # a restore needs no token
    with InstanceLock(live):
        assert main(["restore", str(copy)]) == 1
    assert "Restore refused: the bot is running" in capsys.readouterr().err
    assert main(["restore", str(copy)]) == 0
    assert f"Restored {live} from {copy}" in capsys.readouterr().out


def test_backup_command_keeps_the_newest_backups_in_a_folder(live_and_backup, capsys, monkeypatch, tmp_path):
    live, _ = live_and_backup
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{live}")
    folder = tmp_path / "nightly"
    folder.mkdir()
    for day in (27, 28, 29):
        (folder / f"bot-202611{day}T020000Z.db").write_bytes(b"an older backup")
    (folder / "notes.txt").write_text("not a backup: left alone")
    assert main(["backup", str(folder), "--keep", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Backed up {live} to {folder}/bot-")
    names = sorted(p.name for p in folder.iterdir())
    assert names[0] == "bot-20261129T020000Z.db" and names[2] == "notes.txt"
    assert read(folder / names[1], "SELECT COUNT(*) FROM pledges") == [(5,)]


# --- the copy before a migration -------------------------------------------------------------------


async def test_a_database_with_data_is_copied_before_migrating(live_and_backup, caplog):
    live, _ = live_and_backup
    copy = backup_before_migrating(live, [5, 6], now=NOW)
    assert copy == live.with_name("bot.db.before-0005-20261130T1200Z.bak")
    assert [r.getMessage() for r in caplog.records if r.name == "storage.backup"] == [
        f"Backed up the database to {copy} before applying migration 0005"
    ]
    assert read(copy, "SELECT COUNT(*) FROM pledges") == read(live, "SELECT COUNT(*) FROM pledges")
    assert read(copy, "PRAGMA integrity_check") == [("ok",)]
    assert backup_before_migrating(live, [5], now=NOW) == live.with_name("bot.db.before-0005-20261130T1200Z-1.bak")


async def test_no_copy_without_data_or_without_pending_migrations(tmp_path):
    assert backup_before_migrating(tmp_path / "new.db", [1, 2, 3, 4]) is None  # the very first start
    empty = tmp_path / "empty.db"
    db = await Database.open(empty)
    await db.close()
    assert backup_before_migrating(empty, [5]) is None
    await unity_run_with_supporters(tmp_path / "bot.db")
    assert backup_before_migrating(tmp_path / "bot.db", []) is None
    assert sorted(p.name for p in tmp_path.iterdir() if ".bak" in p.name) == []


# --- check -----------------------------------------------------------------------------------------


async def test_check_on_a_good_setup_beside_the_running_bot(tmp_path):
    live = tmp_path / "bot.db"
    await unity_run_with_supporters(live, supporters=1000)
    async with Simulator(live, clock=Clock(DAY1_MORNING)) as sim:
        assert "Logged" in await say_again(sim, ASHA, "/log 2")  # the bot's connection is open, with a WAL
        with InstanceLock(live):
            found = await survey(settings_for(live), request=FakeBotAPI())
    assert found.problems == []
    assert found.facts[0].startswith(f"database: {live}, ")
    assert found.facts[0].endswith(
        f"schema version {latest_version()} (this code: {latest_version()});"
        " runs 1, runners 0, updates 0, pledges 1,001, logs 1,002, subscriptions 0"
    )
    assert found.facts[1].startswith("bot: running (pid ")
    assert found.facts[2] == "telegram: token valid, the bot is @UnityRunBot (id 7000000001)"


async def test_check_reports_a_token_telegram_refuses_without_showing_it(tmp_path):
    live = tmp_path / "bot.db"
    await unity_run_with_supporters(live)
    api = FakeBotAPI()
    api.responder = lambda method, _: error(401, "Unauthorized") if method == "getMe" else None
    problems = await check(settings_for(live), request=api)
    assert problems == ["telegram: https://api.telegram.org refused the token (getMe: Unauthorized)"]


async def test_check_reports_a_corrupted_database(tmp_path):
    live = tmp_path / "bot.db"
    await unity_run_with_supporters(live, supporters=1000)
    with live.open("r+b") as file:  # a disk that returned garbage for some pages
        file.seek(4096 * 6)
        file.write(bytes(range(256)) * 64)
    assert await check(settings_for(live), request=FakeBotAPI()) == [
        f"database: {live} is damaged or not a SQLite database (database disk image is malformed);"
        " restore a backup: python -m bot restore PATH"
    ]


async def test_check_reports_a_database_from_a_newer_version(tmp_path):
    live = tmp_path / "bot.db"
    await unity_run_with_supporters(live)
    read(live, f"PRAGMA user_version = {latest_version() + 1}")
    assert await check(settings_for(live), request=FakeBotAPI()) == [
        f"database: {live}: schema version {latest_version() + 1} is newer than this code's ({latest_version()}):"
        " it was written by a newer version of the bot"
    ]


def test_check_command_lists_every_problem_and_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    live = tmp_path / "bot.db"
    asyncio.run(unity_run_with_supporters(live))
    read(live, f"PRAGMA user_version = {latest_version() + 1}")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{live}")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token")  # malformed: Telegram is not asked
    monkeypatch.setenv("SUMMARY_TIME", "9pm")
    assert main(["check"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "settings: TELEGRAM_BOT_TOKEN is malformed: expected <digits>:<35 letters> from @BotFather",
        "settings: SUMMARY_TIME must be a time of day as HH:MM (00:00 to 23:59), not '9pm'",
        f"database: {live}: schema version {latest_version() + 1} is newer than this code's ({latest_version()}):"
        " it was written by a newer version of the bot",
    ]


def test_settings_problems_names_every_wrong_variable():
    _, problems, broken = settings_problems(
        {"TELEGRAM_BOT_TOKEN": "", "ADMIN_IDS": "12,abc", "LOG_LEVEL": "LOUD", "DATABASE_URL": "sqlite:///ok.db"}
    )
    assert broken == {"TELEGRAM_BOT_TOKEN", "ADMIN_IDS", "LOG_LEVEL"}
    assert [p.split(":")[1].split()[0] for p in problems] == ["TELEGRAM_BOT_TOKEN", "ADMIN_IDS", "LOG_LEVEL"]
