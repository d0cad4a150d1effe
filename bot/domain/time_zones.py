"""An IANA time zone from its name: the one place a zone name someone gave is read.

`ZoneInfo(name)` reads a file under the system's zone database, so a name can fail in many ways besides
"not found": too long for the file system (OSError), a folder ("Asia": IsADirectoryError or ValueError), a
NUL byte or a path that climbs out ("../x": ValueError), text the file system cannot encode. Every one of
them is UnknownTimeZone here, and the caller says so in its own words (a UserError to a user, a
ConfigError for a setting).
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

MAX_ZONE_NAME = 64  # the longest IANA name is 32 characters (America/Argentina/ComodRivadavia)
_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*")


class UnknownTimeZone(ValueError):
    """The name is not an IANA time zone this system knows."""


def time_zone(name: str) -> ZoneInfo:
    """The zone called `name` ("Asia/Kolkata"); UnknownTimeZone for anything else, whatever the reason."""
    if len(name) > MAX_ZONE_NAME or not _ZONE_NAME.fullmatch(name):  # no dot: no "..", no climbing out
        raise UnknownTimeZone(name)
    try:
        return ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, ValueError, OSError (IsADirectoryError, a name too long), ...
        raise UnknownTimeZone(name) from None


def is_time_zone(name: str) -> bool:
    try:
        time_zone(name)
    except UnknownTimeZone:
        return False
    return True
