"""`python -m bot backup PATH`, `restore PATH` and `check`: what an organiser runs on the server.

`backup` and `check` are safe beside the running bot (read-only connections of their own);
`restore` refuses while the bot runs (bot.ops.instance_lock) and refuses a file that is not this bot's.
Exit codes: 0 done, 1 the backup or restore failed or was refused, 2 a setting is wrong or `check`
found a problem.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import BaseRequest

from bot.ops.config import ConfigError, Settings, env_file_values, parse_settings
from bot.ops.instance_lock import AlreadyRunning, InstanceLock, holder, lock_path
from bot.ops.startup import TokenRedactor
from storage.backup import (
    BackupError,
    BackupReport,
    backup,
    inspect,
    latest_version,
    replace_database,
    schema_problem,
    verify_backup,
)

TOKEN = "TELEGRAM_BOT_TOKEN"
DATABASE = "DATABASE_URL"
BASE_URL = "BOT_API_BASE_URL"
PLACEHOLDER_TOKEN = "0:" + "x" * 35  # stands in for a bad token so the other settings can be checked
BACKUP_NAME = "bot-{}.db"  # inside a folder given to `backup`: bot-20261130T120000Z.db, sorting by time
MEMORY = ":memory:"


class RestoreRefused(BackupError):
    """The restore would be unsafe (the bot runs) or the file cannot be used; nothing was changed."""


@dataclass
class Survey:
    facts: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# --- settings --------------------------------------------------------------------------------------


def environment(environ: Mapping[str, str] | None = None, env_file: Path | None = None) -> dict[str, str]:
    """The variables the bot would read: `.env` below the process environment (as load_settings)."""
    env_file = env_file if env_file is not None else Path(".env")
    values = env_file_values(env_file)  # ConfigError for a .env that is not UTF-8 text
    values.update(os.environ if environ is None else environ)
    return values


def settings_problems(values: Mapping[str, str]) -> tuple[Settings, list[str], frozenset[str]]:
    """The settings, one line per wrong variable, and those variables' names.

    load_settings stops at the first wrong variable; here each one found is set aside (its default,
    or a placeholder token) and the rest are read again, so every wrong variable gets its line."""
    values = dict(values)
    problems: list[str] = []
    broken: set[str] = set()
    while True:
        try:
            return parse_settings(values), problems, frozenset(broken)
        except ConfigError as exc:
            name = str(exc).split(" ", 1)[0]
            if not re.fullmatch(r"[A-Z][A-Z0-9_]+", name) or name in broken:
                raise
            problems.append(f"settings: {exc}")
            broken.add(name)
            values[name] = PLACEHOLDER_TOKEN if name == TOKEN else ""


# --- check -----------------------------------------------------------------------------------------


async def check(settings: Settings, request: BaseRequest | None = None) -> list[str]:
    """The problems `python -m bot check` reports for these settings: one line each, none when all is well."""
    return (await survey(settings, request=request)).problems


async def survey(settings: Settings, request: BaseRequest | None = None, skip: frozenset[str] = frozenset()) -> Survey:
    """What `check` finds: the database (read-only) and getMe. `skip`: settings known to be wrong."""
    found = Survey()
    if DATABASE not in skip:
        await asyncio.to_thread(_database_findings, settings.database_path, found)
    if not skip & {TOKEN, BASE_URL}:
        await _telegram_findings(settings, request, found)
    return found


def _database_findings(path: str, found: Survey) -> None:
    if path == MEMORY:
        found.facts.append("database: in memory (sqlite:///:memory:): nothing is kept when the bot stops")
        return
    db = Path(path)
    if not db.exists():
        folder = next(p for p in (db.parent, *db.parent.parents) if p.exists())
        if not os.access(folder, os.W_OK | os.X_OK):
            found.problems.append(f"database: {db} does not exist and {folder} is not writable by this user")
        else:
            found.facts.append(f"database: none yet at {db}; the bot creates it at its first start")
        return
    if not os.access(db, os.R_OK):
        found.problems.append(f"database: {db} is not readable by this user (run check as the bot's user)")
        return
    restore_hint = "restore a backup: python -m bot restore PATH"
    try:
        info = inspect(db, thorough=False)
    except BackupError as exc:
        found.problems.append(f"database: {exc}; {restore_hint}")
        return
    if info.damage:
        found.problems.append(f"database: {db} is damaged (quick_check: {'; '.join(info.damage)}); {restore_hint}")
    problem = schema_problem(info)
    if problem:
        found.problems.append(f"database: {db}: {problem}")
    latest = latest_version()
    counts = ", ".join(f"{table} {n:,}" for table, n in info.counts.items())
    found.facts.append(
        f"database: {db}, {db.stat().st_size / 1e6:.1f} MB, schema version {info.schema_version}"
        f" (this code: {latest}); {counts}"
    )
    if 0 < info.schema_version < latest:
        found.facts.append(
            f"database: {latest - info.schema_version} migration(s) apply at the next start, after a backup beside it"
        )
    if not os.access(db, os.W_OK):
        found.problems.append(f"database: {db} is not writable by this user (run check as the bot's user)")
    try:
        pid = holder(db)
    except OSError as exc:  # the lock file of another user
        found.facts.append(f"bot: unknown whether it runs ({exc.strerror}: {exc.filename})")
    else:
        found.facts.append("bot: not running" if pid is None else f"bot: running (pid {pid or 'unknown'})")


async def _telegram_findings(settings: Settings, request: BaseRequest | None, found: Survey) -> None:
    bot = Bot(
        settings.token,
        base_url=f"{settings.bot_api_base_url}/bot",
        base_file_url=f"{settings.bot_api_base_url}/file/bot",
        request=request,
        get_updates_request=request,
    )
    try:
        async with bot:  # initialize asks getMe
            me = bot.bot
    except InvalidToken:  # its message quotes the token: never shown
        found.problems.append(f"telegram: {settings.bot_api_base_url} refused the token (getMe: Unauthorized)")
        return
    except (NetworkError, TelegramError) as exc:
        reason = TokenRedactor(settings.token).redact(str(exc))  # any case: PTB lower-cases some errors
        found.problems.append(f"telegram: getMe failed at {settings.bot_api_base_url}: {reason}")
        return
    found.facts.append(f"telegram: token valid, the bot is @{me.username} (id {me.id})")


def check_command(environ: Mapping[str, str] | None = None, request: BaseRequest | None = None) -> int:
    """`python -m bot check`: facts on stdout, one line per problem on stderr; 0 or 2."""
    try:
        settings, problems, broken = settings_problems(environment(environ))
    except ConfigError as exc:  # a setting whose error does not name it: nothing else can be checked
        print(f"settings: {exc}", file=sys.stderr)
        return 2
    if not problems:
        organisers = len(settings.admin_ids)
        print(f"settings: ok ({organisers} organiser(s), database {settings.database_path}, Bot API"
              f" {settings.bot_api_base_url}, summaries at {settings.summary_time})")  # fmt: skip
    found = asyncio.run(survey(settings, request=request, skip=broken))
    for line in found.facts:
        print(line)
    for line in problems + found.problems:
        print(line, file=sys.stderr)
    return 2 if problems or found.problems else 0


# --- backup and restore ----------------------------------------------------------------------------


def restore(backup_path: str | Path, db_path: str | Path, now: datetime | None = None) -> Path | None:
    """Put the backup in place of the database, holding the instance lock throughout so the bot
    cannot start meanwhile; return where the replaced database was kept (None: there was none).

    Raises RestoreRefused while the bot runs, for the database itself, or for a file that is not a
    sound backup of this bot at a schema version this code knows; the database is then untouched."""
    if str(db_path) == MEMORY:
        raise RestoreRefused("the database is in memory (DATABASE_URL sqlite:///:memory:): nothing to restore into")
    source, db = Path(backup_path), Path(db_path)
    if source.exists() and db.exists() and source.resolve() == db.resolve():
        raise RestoreRefused(f"{source} is the database itself")
    try:
        with InstanceLock(db):
            try:
                verify_backup(source)
            except BackupError as exc:
                raise RestoreRefused(str(exc)) from exc
            kept = replace_database(source, db, now)
            _give_to_owner_of(db.parent, [db, lock_path(db)])
            return kept
    except AlreadyRunning as exc:
        raise RestoreRefused(f"{exc}; stop it first (systemctl stop runalong-bot)") from None


def _give_to_owner_of(folder: Path, files: list[Path]) -> None:
    """Run as root (sudo python -m bot restore), the restored files would be root's and the bot, running as
    its own user, could not write them: they go to the owner of the database's folder."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    owner = folder.stat()
    for file in files:
        if file.exists():
            os.chown(file, owner.st_uid, owner.st_gid)


def backup_target(path: Path, now: datetime) -> Path:
    """A folder gets a new file named by the time; a file name is used as it is."""
    return path / BACKUP_NAME.format(now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")) if path.is_dir() else path


def prune(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` backups named by `backup` in `folder`; return those removed."""
    pattern = re.compile(re.escape(BACKUP_NAME).replace(r"\{\}", r"\d{8}T\d{6}Z"))
    ours = sorted(p for p in folder.iterdir() if p.is_file() and pattern.fullmatch(p.name))
    removed = ours[: max(0, len(ours) - keep)]
    for old in removed:
        old.unlink()
    return removed


def backup_command(target: Path, keep: int | None = None, environ: Mapping[str, str] | None = None) -> int:
    """`python -m bot backup PATH [--keep N]`."""
    db_path = _database_path(environ)
    if db_path is None:
        return 2
    if keep is not None and not target.is_dir():
        print(f"--keep needs a folder to keep backups in; {target} is not one", file=sys.stderr)
        return 2
    try:
        report: BackupReport = asyncio.run(backup(db_path, backup_target(target, datetime.now(UTC))))
    except BackupError as exc:
        print(f"Backup failed: {exc}", file=sys.stderr)
        return 1
    print(
        f"Backed up {db_path} to {report.path}: {report.size_bytes / 1e6:.1f} MB, schema version"
        f" {report.schema_version}, integrity_check ok, {report.seconds:.1f} s"
    )
    if keep is not None:
        for old in prune(target, keep):
            print(f"Removed the older backup {old}")
    return 0


def restore_command(source: Path, environ: Mapping[str, str] | None = None) -> int:
    """`python -m bot restore PATH`."""
    db_path = _database_path(environ)
    if db_path is None:
        return 2
    try:
        kept = restore(source, db_path)
    except RestoreRefused as exc:
        print(f"Restore refused: {exc}", file=sys.stderr)
        return 1
    except (BackupError, OSError) as exc:  # the copy or the swap failed (disk full?)
        print(f"Restore failed: {exc}", file=sys.stderr)
        return 1
    info = inspect(db_path, thorough=False)
    print(f"Restored {db_path} from {source} (schema version {info.schema_version}).")
    if kept is not None:
        print(f"The database it replaced is kept as {kept}.")
    return 0


def _database_path(environ: Mapping[str, str] | None) -> str | None:
    """DATABASE_URL's path; backup and restore need no valid token. None (and the line said) if malformed."""
    try:
        settings, problems, broken = settings_problems(environment(environ))
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return None
    if DATABASE in broken:
        for line in problems:
            if line.startswith(f"settings: {DATABASE}"):
                print(f"Configuration error: {line.removeprefix('settings: ')}", file=sys.stderr)
        return None
    return settings.database_path
