"""`python -m bot [run]` starts the bot with long polling; `python -m bot demo` plays the Unity Run offline;
`backup PATH`, `restore PATH` and `check` look after the database and the settings (bot/ops/maintenance.py);
`inspect FILE [--route] [--json]` shows what the bot reads from an activity or route file (bot/files/inspect.py)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sqlite3
import sys
from pathlib import Path

from bot.demo.play import run_demo
from bot.demo.serve import DEFAULT_PORT, serve_demo
from bot.edge import polling
from bot.edge.app import build_application
from bot.files.inspect import inspect_file
from bot.ops import maintenance, startup
from bot.ops.config import ConfigError, load_settings
from bot.ops.instance_lock import AlreadyRunning, InstanceLock
from bot.web.listen_error import CannotListen
from storage.db import NewerSchemaError


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "demo":
        try:
            if args.serve:
                return asyncio.run(serve_demo(args.db, args.quiet, args.port))
            return asyncio.run(run_demo(args.db, args.quiet))
        except (OSError, sqlite3.Error, NewerSchemaError) as exc:  # --db where no database can be
            print(f"Demo not started: {args.db} cannot be used as its database ({exc})", file=sys.stderr)
            return 2
    if args.command == "backup":
        return maintenance.backup_command(args.path, args.keep)
    if args.command == "restore":
        return maintenance.restore_command(args.path)
    if args.command == "check":
        return maintenance.check_command()
    if args.command == "inspect":
        return inspect_file(args.file, route=args.route, as_json=args.json)
    return run()


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = main_parser.add_subparsers(dest="command", metavar="{run,demo,backup,restore,check,inspect}")
    commands.add_parser("run", help="start the bot (the default)")
    demo = commands.add_parser("demo", help="play the whole Unity Run offline: no token, no network")
    demo.add_argument("--db", type=Path, metavar="PATH", help="keep the demo's SQLite database here")
    demo.add_argument("--quiet", action="store_true", help="print only the final summary")
    demo.add_argument("--serve", action="store_true", help="then serve the demo's live page until Ctrl-C")
    demo.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"with --serve (default {DEFAULT_PORT}; 0: a free one)"
    )
    backup = commands.add_parser("backup", help="a checked copy of the live database, safe while the bot runs")
    backup.add_argument("path", type=Path, metavar="PATH", help="a file, or a folder (a file named by the time)")
    backup.add_argument("--keep", type=int, metavar="N", help="in a folder: keep only the newest N backups")
    restore = commands.add_parser("restore", help="put a backup in place of the database (the bot stopped)")
    restore.add_argument("path", type=Path, metavar="PATH", help="a file written by `backup`")
    commands.add_parser("check", help="check the settings, the database and the token; safe while the bot runs")
    inspect = commands.add_parser(
        "inspect",
        help="what the bot reads from an activity (or route) file, without sending it",
        description="What the bot reads from an activity file (GPX or FIT), or with --route from a route file,"
        " through the bot's own bounded readers. Exit status: 0 read, 1 refused, 2 no such file.",
    )
    inspect.add_argument("file", type=Path, metavar="FILE", help="a .gpx or .fit file")
    inspect.add_argument("--route", action="store_true", help="read it as a planned route (GPX), as /route does")
    inspect.add_argument("--json", action="store_true", help="one JSON object on one line")
    main_parser.set_defaults(command="run")
    return main_parser


def run() -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    startup.redact_logs(settings.token)  # at every level, from every library: before anything logs
    try:
        lock = InstanceLock(settings.database_path).acquire()  # one bot per database: restore checks it too
    except AlreadyRunning as exc:
        print(f"Not started: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"Not started: {startup.folder_reason(settings.database_path, exc)}", file=sys.stderr)
        return 2
    try:
        asyncio.run(startup.check_database(settings.database_path))  # before Telegram: fails in a second
        # polling.run stops cleanly on SIGINT and SIGTERM, then post_shutdown closes the database.
        asyncio.run(polling.run(build_application(settings)))
    except CannotListen as exc:  # WEB_PORT taken, WEB_HOST not this machine's
        print(f"Not started: {exc}", file=sys.stderr)
        return 2
    except startup.StartupError as exc:
        print(f"{exc.prefix}: {exc}", file=sys.stderr)
        return 2
    except Exception:  # through the logs, whose filter takes the token out of any traceback
        logging.getLogger("bot").critical("The bot stopped on an unexpected error", exc_info=True)
        return 1
    finally:
        lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
