"""Read an uploaded file in a child process bounded in time and memory, so the event loop never waits on it.

`python -m bot.files.bounded_read READER NAME MEMORY_BYTES CPU_SECONDS` reads the file from stdin with the
pure READER ("bot.files.activity_files:read_activity_dict", say) and writes JSON to stdout: the result, or
{"error": message}. The parent (`run_bounded`) kills a child past its time; the child's address space and CPU
time are capped by setrlimit, so a file that needs more memory ends the child, not the bot. One child runs at a
time.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import math
import os
import sys
import weakref
from typing import Any

from bot.files.safe_gpx import FileRefusedError

Reader = str
"""A reader run in the child, as "module:function": the function takes (bytes, file name) and returns
JSON-ready values. Named, not imported, so that the readers import this module and not the other way round."""

DEFAULT_TIMEOUT_S = 15.0
"""Generous for the largest accepted file (200k GPX points take 3-5 s on a busy 2-core VM); hostile files are
refused in well under 2 s."""
DEFAULT_MEMORY_BYTES = 1 << 30
"""Address space of the child: gpxpy needs ~2.5 KB a point, so 200k points fit, with the interpreter."""

_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


MAX_NAME_CHARS = 255


def _argument(filename: str) -> str:
    """The file's name as a command-line argument for the child: no NUL (which no argument can hold: the
    exec raised ValueError) and no surrogates, at most its last MAX_NAME_CHARS characters (its extension kept)."""
    cleaned = filename.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")
    return cleaned[-MAX_NAME_CHARS:] or "file"


async def run_bounded(
    reader: Reader,
    data: bytes,
    filename: str,
    *,
    error: type[FileRefusedError],
    send_instead: str,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    memory_bytes: int = DEFAULT_MEMORY_BYTES,
) -> dict[str, Any]:
    """The child's JSON result for `data`; `error(message)` for a refusal, a time-out or a child out of memory."""
    filename = _argument(filename)
    gate = _gates.setdefault(asyncio.get_running_loop(), asyncio.Semaphore(1))
    async with gate:
        # the child needs no secret: keep the token out of its environment
        env = {k: v for k, v in os.environ.items() if "TOKEN" not in k} | {"OPENBLAS_NUM_THREADS": "1"}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.files.bounded_read", reader, filename, str(memory_bytes),
            str(math.ceil(timeout_s) + 1),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env=env,
        )  # fmt: skip
        try:
            out, _ = await asyncio.wait_for(process.communicate(data), timeout_s)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise error(
                f"This file took too long to read (over {timeout_s:g} s), so the bot gave up on it."
                f" Send {send_instead}, with fewer points."
            ) from None
    try:
        payload = json.loads(out)
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        raise error(payload["error"])
    if process.returncode != 0 or not isinstance(payload, dict):
        raise error(
            f"This file needs more memory than the bot gives one file, so it was not read. Send {send_instead},"
            " with fewer points."
        )
    return payload


def _limit(memory_bytes: int, cpu_s: int) -> None:
    try:
        import resource
    except ImportError:  # Windows: the parent's time-out still bounds the time
        return
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))


def _read(reader: Reader, data: bytes, filename: str) -> dict[str, Any]:
    module, _, function = reader.partition(":")
    if not module.startswith("bot.files."):
        raise ValueError(f"not a file reader: {reader!r}")
    result: dict[str, Any] = getattr(importlib.import_module(module), function)(data, filename)
    return result


def _child_main(argv: list[str]) -> int:
    reader, filename, memory_bytes, cpu_s = argv[0], argv[1], int(argv[2]), int(argv[3])
    _limit(memory_bytes, cpu_s)
    data = sys.stdin.buffer.read()
    try:
        result = _read(reader, data, filename)
    except FileRefusedError as refused:
        result = {"error": refused.message}
    except MemoryError:
        return 3
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
