"""One process per database: an exclusive `flock` on `<database>.lock`, held for the process's life.

`python -m bot` takes it at start-up and a second instance, or `python -m bot restore`, refuses while
it is held. Why a lock file and not `BEGIN EXCLUSIVE` on the database: in WAL mode an idle bot holds
no SQLite lock at all, so an exclusive transaction succeeds beside a running bot that is waiting on
getUpdates. Why `flock` and not a pid file alone: the kernel releases the lock when the process ends,
however it ends (SIGKILL, a crash, a power cut), so a stale file never blocks a restart. The file keeps
the holder's pid only to name it in the refusal; it is left in place on release (deleting it would
let a process that opened the old file and a process that creates a new one both "hold" the lock).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from types import TracebackType

try:
    import fcntl
except ImportError:  # Windows: no flock; the lock is then a no-op (the bot is meant for a Linux server)
    fcntl = None  # type: ignore[assignment]

MEMORY = ":memory:"


class AlreadyRunning(RuntimeError):
    """Another process holds the database's lock."""

    def __init__(self, lock_path: Path, pid: int | None) -> None:
        holder = f"process {pid}" if pid else "another process"
        super().__init__(f"the bot is running: {holder} holds {lock_path}")
        self.lock_path = lock_path
        self.pid = pid


def lock_path(db_path: str | Path) -> Path:
    return Path(f"{db_path}.lock")


class InstanceLock:
    """`with InstanceLock(db_path):` raises AlreadyRunning if another process holds it."""

    def __init__(self, db_path: str | Path) -> None:
        self.path = None if str(db_path) == MEMORY else lock_path(db_path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self) -> InstanceLock:
        if self.path is None or fcntl is None or self._fd is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd, writable = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644), True
        except PermissionError:  # a lock file left by root (a restore run as root): flock needs no write access
            fd, writable = os.open(self.path, os.O_RDONLY), False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _read_pid(fd)
            os.close(fd)
            raise AlreadyRunning(self.path, pid) from None
        if writable:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.release()


def holder(db_path: str | Path) -> int | None:
    """The pid of the process holding the database's lock (0 when unknown), None when nobody holds it.

    Tests with a shared lock, released at once, and writes nothing: safe beside a running bot."""
    path = lock_path(db_path)
    if str(db_path) == MEMORY or fcntl is None or not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _read_pid(fd) or 0
    finally:
        os.close(fd)
    return None


def _read_pid(fd: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(os.pread(fd, 32, 0).decode().strip() or 0) or None
    return None
