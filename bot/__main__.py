"""`python -m bot [run]` starts the bot with long polling; `python -m bot demo` plays the Unity Run offline."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot import polling
from bot.app import build_application
from bot.config import ConfigError, load_settings
from bot.demo import run_demo


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "demo":
        return asyncio.run(run_demo(args.db, args.quiet))
    return run()


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = main_parser.add_subparsers(dest="command", metavar="{run,demo}")
    commands.add_parser("run", help="start the bot (the default)")
    demo = commands.add_parser("demo", help="play the whole Unity Run offline: no token, no network")
    demo.add_argument("--db", type=Path, metavar="PATH", help="keep the demo's SQLite database here")
    demo.add_argument("--quiet", action="store_true", help="print only the final summary")
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
    # polling.run stops cleanly on SIGINT and SIGTERM, then post_shutdown closes the database.
    asyncio.run(polling.run(build_application(settings)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
