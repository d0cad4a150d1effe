"""Copies of the database: an online backup beside the running bot, the copy kept before a migration,
what a file must be to be restored, and the swap of files a restore makes.

Every copy is made in a hidden file beside its target, checked with `PRAGMA integrity_check`, made a
single self-contained file (journal_mode DELETE), flushed to disk and only then renamed into place:
a copy that exists under its name is whole and sound.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import pathname2url

import aiosqlite

from storage.schema import migrations, split_statements

log = logging.getLogger(__name__)

COUNTED = ("runs", "runners", "updates", "pledges", "logs", "subscriptions")
SHOWN_PROBLEMS = 5  # integrity_check lines quoted in an error


class BackupError(Exception):
    """A copy could not be made, or a file cannot be used; the message says why in one line."""


class NotOurs(BackupError):
    """The file is not a database of this bot at a schema version this code knows."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size_bytes: int
    schema_version: int
    seconds: float


@dataclass(frozen=True)
class DatabaseInfo:
    schema_version: int
    tables: frozenset[str]
    counts: dict[str, int]  # rows of the COUNTED tables this version has
    damage: tuple[str, ...]  # what the integrity check found; empty when sound


def latest_version() -> int:
    return max((number for number, _ in migrations()), default=0)


@functools.cache
def tables_at(version: int) -> frozenset[str]:
    """The tables a database of this bot has at schema `version`: its migrations played in memory."""
    conn = sqlite3.connect(":memory:")
    try:
        for number, sql in migrations():
            if number <= version:
                for statement in split_statements(sql):
                    conn.execute(statement)
        return _tables(conn)
    finally:
        conn.close()


def read_only_uri(path: str | Path) -> str:
    """Opens an existing file only, never creates one, never writes (safe beside the running bot)."""
    return f"file:{pathname2url(str(Path(path).resolve()))}?mode=ro"


def stamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


async def backup(db_path: str | Path, target_path: str | Path) -> BackupReport:
    """A consistent copy of the database at `db_path`, taken while the bot runs and writes.

    A read-only connection of its own copies every page in one step of SQLite's online backup, from
    one read snapshot: in WAL mode the bot's writers are not blocked, and the copy is the database
    as it was when the step began (every transaction committed before that is in it, none after)."""
    started = time.perf_counter()
    source_path, target = Path(db_path), Path(target_path)
    if not await asyncio.to_thread(source_path.is_file):  # (a failed aiosqlite.connect leaves its thread behind)
        raise BackupError(f"could not copy {source_path}: no database there")
    with _partial(target) as partial:
        try:
            async with aiosqlite.connect(read_only_uri(source_path), uri=True) as source:
                await source.execute("PRAGMA busy_timeout = 5000")
                async with aiosqlite.connect(partial) as copy:
                    await source.backup(copy, pages=0)  # 0: the whole database in a single step
        except sqlite3.Error as exc:
            raise BackupError(f"could not copy {source_path}: {exc}") from exc
        version, size = await asyncio.to_thread(_seal, partial, target)
    return BackupReport(target, size, version, time.perf_counter() - started)


def backup_before_migrating(db_path: str | Path, pending: Sequence[int], now: datetime | None = None) -> Path | None:
    """Before migrations `pending` apply to a database that holds data: a checked copy beside it,
    `bot.db.before-0005-20261130T1200Z.bak`, named in one log line. None when there is nothing to keep
    (no file, no data, nothing pending). Raises BackupError when the copy fails: then do not migrate.

    Synchronous (plain sqlite3): call it before the migrations, e.g. `await asyncio.to_thread(...)`."""
    db = Path(db_path)
    if not pending or str(db_path) == ":memory:" or not db.is_file() or not has_data(db):
        return None
    name = f"{db.name}.before-{min(pending):04d}-{stamp(now or datetime.now(UTC))}.bak"
    target = _free_name(db.with_name(name))
    with _partial(target) as partial:
        try:
            with _connect_read_only(db) as source, contextlib.closing(sqlite3.connect(partial)) as copy:
                source.backup(copy)
        except sqlite3.Error as exc:
            raise BackupError(f"could not back up {db} before migrating: {exc}") from exc
        _seal(partial, target)
    log.warning("Backed up the database to %s before applying migration %04d", target, min(pending))
    return target


def has_data(db_path: str | Path) -> bool:
    """Has a schema and at least one row in one of its tables."""
    with _connect_read_only(db_path) as conn:
        tables = _tables(conn)
        return any(conn.execute(f'SELECT EXISTS (SELECT 1 FROM "{table}")').fetchone()[0] for table in tables)


def inspect(db_path: str | Path, thorough: bool = True) -> DatabaseInfo:
    """Schema version, tables, row counts and integrity, read through a read-only connection.

    `thorough`: PRAGMA integrity_check (also checks every index against its table); else quick_check.
    Raises BackupError when the file is not a SQLite database or cannot be read."""
    try:
        with _connect_read_only(db_path) as conn:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            tables = _tables(conn)
            counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COUNTED if t in tables}
            check = "integrity_check" if thorough else "quick_check"
            found = [row[0] for row in conn.execute(f"PRAGMA {check}({SHOWN_PROBLEMS})")]
    except sqlite3.Error as exc:
        raise BackupError(f"{db_path} is damaged or not a SQLite database ({exc})") from exc
    damage = () if found == ["ok"] else tuple(found)
    return DatabaseInfo(version, tables, counts, damage)


def schema_problem(info: DatabaseInfo) -> str | None:
    """Why a database with this schema is not one this code can use, or None."""
    latest = latest_version()
    if info.schema_version > latest:
        return (
            f"schema version {info.schema_version} is newer than this code's ({latest}): "
            "it was written by a newer version of the bot"
        )
    if info.schema_version == 0:
        return "it has no schema of this bot (user_version 0)"
    missing = sorted(tables_at(info.schema_version) - info.tables)
    if missing:
        return f"it lacks tables of this bot at schema version {info.schema_version}: {', '.join(missing)}"
    return None


def verify_backup(path: str | Path) -> DatabaseInfo:
    """The backup's description if it is a sound database of this bot that this code can run on."""
    file = Path(path)
    if not file.is_file():
        raise NotOurs(f"{file} is not a file")
    try:
        info = inspect(file)
    except BackupError as exc:
        raise NotOurs(f"{file} is not a backup of this bot: {exc}") from exc
    problem = schema_problem(info)
    if problem:
        raise NotOurs(f"{file} is not a backup of this bot: {problem}")
    if info.damage:
        raise BackupError(f"{file} is damaged: {'; '.join(info.damage)}")
    return info


def replace_database(backup_path: str | Path, db_path: str | Path, now: datetime | None = None) -> Path | None:
    """Put a copy of the backup in place of the database; return where the replaced database was kept.
    Raises BackupError (or OSError) when the copy fails; the database is then untouched.

    The caller makes sure no process uses the database (bot.ops.instance_lock). The database replaced is
    kept as `bot.db.before-restore-<time>.bak` (with its `-wal`, which holds its latest transactions),
    byte for byte, so even a damaged one can be looked at later."""
    db = Path(db_path)
    incoming = db.with_name(f".{db.name}.restoring-{os.getpid()}")
    try:
        # Through SQLite, not a byte copy: a backup that is a WAL database with its -wal comes whole.
        try:
            with _connect_read_only(backup_path) as source, contextlib.closing(sqlite3.connect(incoming)) as copy:
                source.backup(copy)
        except sqlite3.Error as exc:
            raise BackupError(f"could not copy {backup_path} beside {db}: {exc}") from exc
        _fsync(incoming)
        kept = None
        if db.exists():
            kept = _free_name(db.with_name(f"{db.name}.before-restore-{stamp(now or datetime.now(UTC))}.bak"))
            shutil.copy2(db, kept)
            wal = Path(f"{db}-wal")
            if wal.exists():
                shutil.copy2(wal, f"{kept}-wal")
            _fsync(kept)
        # The old WAL must go before the new file comes: SQLite would replay it into the restored one.
        for side in (f"{db}-wal", f"{db}-shm", f"{db}-journal"):
            Path(side).unlink(missing_ok=True)
        os.replace(incoming, db)
        _fsync_dir(db.parent)
    finally:
        for leftover in (incoming, Path(f"{incoming}-journal")):
            leftover.unlink(missing_ok=True)
    return kept


def _seal(partial: Path, target: Path) -> tuple[int, int]:
    """Make the fresh copy one self-contained file, check it, flush it and rename it into place."""
    try:
        with contextlib.closing(sqlite3.connect(partial, isolation_level=None)) as copy:
            copy.execute("PRAGMA journal_mode = DELETE")  # the copy of a WAL database would want a -wal
            (version,) = copy.execute("PRAGMA user_version").fetchone()
            found = [row[0] for row in copy.execute(f"PRAGMA integrity_check({SHOWN_PROBLEMS})")]
    except sqlite3.Error as exc:
        raise BackupError(f"the copy could not be checked: {exc}") from exc
    if found != ["ok"]:
        raise BackupError(f"the copy failed integrity_check: {'; '.join(found)}")
    _fsync(partial)
    size = partial.stat().st_size
    os.replace(partial, target)
    _fsync_dir(target.parent)
    return int(version), size


@contextlib.contextmanager
def _partial(target: Path) -> Iterator[Path]:
    """A hidden file beside `target` to build the copy in; removed unless it was renamed into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    for leftover in (partial, Path(f"{partial}-journal")):
        leftover.unlink(missing_ok=True)
    try:
        yield partial
    finally:
        for leftover in (partial, Path(f"{partial}-journal"), Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def _connect_read_only(db_path: str | Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(read_only_uri(db_path), uri=True)
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        yield conn
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> frozenset[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return frozenset(name for (name,) in rows)


def _free_name(path: Path) -> Path:
    """`x.bak`, or `x-1.bak`, `x-2.bak`... when a file of that name exists (two copies within a minute)."""
    candidate, n = path, 0
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


def _fsync(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        _fsync(path)
