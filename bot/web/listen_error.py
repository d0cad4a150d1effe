"""Why the live page's server cannot listen where the settings say, in one line for the operator. Pure."""

from __future__ import annotations

import errno
import socket


class CannotListen(OSError):
    """The page's socket could not be bound; str() is the operator's line (an OSError, so callers that catch
    OSError, like `demo --serve`, still do)."""


def listen_problem(host: str, port: int, exc: OSError) -> str:
    where = f"{host}:{port}"
    if isinstance(exc, socket.gaierror):
        return f"WEB_HOST {host!r} is not an address or a name this machine can resolve. Use 127.0.0.1 behind a proxy."
    if exc.errno == errno.EADDRINUSE:
        return (
            f"The live page cannot listen on {where}: the port is in use (another program, or the bot already"
            " running?). Set WEB_PORT to a free port, or stop the other program."
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return (
            f"The live page cannot listen on {where}: WEB_HOST {host} is not an address of this machine."
            " Use 127.0.0.1 behind a proxy, or one of this machine's own addresses."
        )
    if exc.errno == errno.EACCES:
        return (
            f"The live page cannot listen on {where}: ports under 1024 need privileges. Use WEB_PORT 8080 and a proxy."
        )
    return f"The live page cannot listen on {where}: {exc.strerror or exc}. Check WEB_HOST and WEB_PORT."
