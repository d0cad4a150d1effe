"""A watch's activity file (GPX or FIT bytes) -> distance, start, elapsed time and a simplified track.

`read_activity` is pure and synchronous. `read_activity_bounded` runs it in a child process with a time
limit and a memory limit (bot.files.bounded_read), so a hostile or huge file costs the bot one bounded child, not
its event loop.

Distance rule: the sum of the haversine lengths between consecutive track points, for GPX and FIT alike,
so the same run sent in either format gives the same km. (A FIT session's total_distance is not used: it
is missing from some exports, and one rule keeps the two formats in agreement.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from garmin_fit_sdk import Decoder, Stream

from bot.domain.coordinates import first_off_the_map, off_the_map_text
from bot.domain.geometry import LatLon, simplify, track_length_m
from bot.files.bounded_read import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_S, run_bounded
from bot.files.safe_gpx import MAX_POINTS, FileRefusedError, archive_kind, check_size, track_samples

TRACK_MAX_POINTS = 1_000
"""An activity's stored track keeps at most this many points (enough to draw a day on a map)."""
SEND_INSTEAD = "the .gpx or .fit file your watch or app exports for one activity"
FIT_EPOCH = datetime(1989, 12, 31, tzinfo=UTC)
_SEMICIRCLE_DEG = 180.0 / 2**31
_FIT_INVALID_SINT32 = 0x7FFFFFFF
_RECORD = 20  # the FIT profile's message number of a record (a track point)
EARLIEST = FIT_EPOCH
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
"""Times outside [EARLIEST, LATEST) are no watch's: refused (and kept away from date arithmetic near year 9999)."""

Source = Literal["gpx", "fit"]


class ActivityFileError(FileRefusedError):
    """An activity file the bot will not read; `message` says what was wrong and what to send instead."""


@dataclass(frozen=True)
class Activity:
    distance_m: int
    started_at: datetime
    """The first timestamp of the track, aware, in UTC."""
    duration: timedelta
    """Elapsed time, first to last timestamp (pauses included)."""
    track: tuple[LatLon, ...]
    """The track simplified to at most TRACK_MAX_POINTS points."""
    source: Source
    zoneless: bool = False
    """The file's times had no time zone (GPX says UTC; some apps write local time so): see
    bot.services.routes, which reads them as the run's local time when UTC would put them in the future."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (times as ISO 8601, the duration in seconds)."""
        return {
            "distance_m": self.distance_m,
            "started_at": self.started_at.isoformat(),
            "duration_s": self.duration.total_seconds(),
            "track": [list(p) for p in self.track],
            "source": self.source,
            "zoneless": self.zoneless,
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Activity:
        source = values["source"]
        if source not in ("gpx", "fit"):
            raise ValueError(f"unknown source {source!r}")
        return cls(
            distance_m=int(values["distance_m"]),
            started_at=datetime.fromisoformat(values["started_at"]).astimezone(UTC),
            duration=timedelta(seconds=float(values["duration_s"])),
            track=tuple((float(lat), float(lon)) for lat, lon in values["track"]),
            source=source,
            zoneless=bool(values.get("zoneless", False)),
        )

    def day(self, zone: str) -> date:
        """The activity's day: the date of its start in the run's time zone (IANA name)."""
        return self.started_at.astimezone(ZoneInfo(zone)).date()


def fit_crc(data: bytes, crc: int = 0) -> int:
    """The FIT CRC-16 (polynomial 0xA001, start 0). A whole FIT stream, its CRCs included, gives 0."""
    table = _CRC_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE = _crc_table()


def sniff(data: bytes, filename: str) -> Source:
    """'gpx' or 'fit' by the file's content (never its name); ActivityFileError for anything else."""
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return "gpx"
    kind = archive_kind(data)
    if kind:
        raise ActivityFileError(f"This is {kind}, not an activity file. Unzip it and send {SEND_INSTEAD}.")
    if filename.lower().endswith(".tcx"):
        raise ActivityFileError(f"TCX files are not read yet. Send {SEND_INSTEAD}.")
    raise ActivityFileError(f"This is not a GPX or FIT file. Send {SEND_INSTEAD}.")


def precheck(data: bytes, filename: str) -> Source:
    """The cheap checks (size, then content), done before any parsing."""
    check_size(len(data), ActivityFileError, SEND_INSTEAD)
    return sniff(data, filename)


def _utc(moment: datetime) -> datetime:
    # GPX times are UTC by the standard; one without a zone is taken as UTC
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _timestamp(stamp: str) -> datetime:
    """A GPX time (xsd:dateTime); ValueError for anything else, a bare date ("2021-08-15") included."""
    if "T" not in stamp.upper() and " " not in stamp:
        raise ValueError(f"no time of day in {stamp!r}")
    return datetime.fromisoformat(stamp)


def _gpx_samples(data: bytes) -> tuple[list[LatLon], list[datetime], bool]:
    points, stamps, has_route = track_samples(data, ActivityFileError, send_instead=SEND_INSTEAD)
    try:
        times = [_timestamp(stamp) for stamp in stamps]
    except ValueError:
        raise ActivityFileError(f"This GPX file has a time the bot cannot read. Send {SEND_INSTEAD}.") from None
    if not points and has_route:
        raise ActivityFileError(
            f"This GPX file holds a planned route, not a recorded activity (it has no times). Send {SEND_INSTEAD};"
            " organisers send a route with the caption /route."
        )
    return points, [_utc(t) for t in times], any(t.tzinfo is None for t in times)


class _TooManyRecords(Exception):
    pass


def _check_fit_files(data: bytes) -> None:
    """Each FIT file of the stream (a stream may chain several) is whole and its CRC right: a cut or
    damaged file is refused before any record is read. (The SDK's own CRC check costs more than the
    whole read; this one is table-driven.)"""
    start = 0
    while start < len(data):
        header_size = data[start]
        body_size = int.from_bytes(data[start + 4 : start + 8], "little")
        end = start + header_size + body_size + 2
        if header_size not in (12, 14) or data[start + 8 : start + 12] != b".FIT" or end > len(data):
            raise _damaged()
        if fit_crc(data[start:end]) != 0:
            raise _damaged()
        start = end


def _fit_samples(data: bytes) -> tuple[list[LatLon], list[datetime]]:
    """Read with Garmin's own FIT SDK, values raw (no scaling, no strings): 2x faster than fitdecode."""
    _check_fit_files(data)
    records = 0

    def count(mesg_num: int, _message: object) -> None:
        nonlocal records
        if mesg_num == _RECORD:
            records += 1
            if records > MAX_POINTS:
                raise _TooManyRecords

    decoder = Decoder(Stream.from_byte_array(bytearray(data)))
    messages, errors = decoder.read(
        apply_scale_and_offset=False, convert_datetimes_to_dates=False, convert_types_to_strings=False,
        enable_crc_check=False, expand_sub_fields=False, expand_components=False, merge_heart_rates=False,
        mesg_listener=count,
    )  # fmt: skip
    if any(isinstance(error, _TooManyRecords) for error in errors):
        raise ActivityFileError(
            f"This FIT file has more than {MAX_POINTS:,} records, more than the bot reads for an activity."
            f" Send {SEND_INSTEAD}, one day at a time."
        )
    if errors:
        raise _damaged()
    points: list[LatLon] = []
    stamps: list[int] = []
    for record in messages.get("record_mesgs", ()):
        stamp = record.get("timestamp")
        if isinstance(stamp, int):
            stamps.append(stamp)
        lat, lon = record.get("position_lat"), record.get("position_long")
        if isinstance(lat, int) and isinstance(lon, int) and _FIT_INVALID_SINT32 not in (lat, lon):
            point = (lat * _SEMICIRCLE_DEG, lon * _SEMICIRCLE_DEG)
            if abs(point[0]) <= 90 and abs(point[1]) <= 180:
                points.append(point)
    return points, [FIT_EPOCH + timedelta(seconds=s) for s in stamps]


def _damaged() -> ActivityFileError:
    return ActivityFileError(
        f"This FIT file is damaged or cut short and could not be read. Send {SEND_INSTEAD} again,"
        " exported anew from the watch or app."
    )


def read_activity_dict(data: bytes, filename: str) -> dict[str, Any]:
    """The child process's reader (bot.files.bounded_read)."""
    return read_activity(data, filename).to_dict()


def read_activity(data: bytes, filename: str) -> Activity:
    """Read a GPX or FIT activity; ActivityFileError (with the reply for the runner) when it cannot be used."""
    source = precheck(data, filename)
    if source == "gpx":
        points, times, zoneless = _gpx_samples(data)
    else:
        (points, times), zoneless = _fit_samples(data), False
    off_map = first_off_the_map(points)
    if off_map is not None:
        raise ActivityFileError(off_the_map_text(off_map, "activity file", SEND_INSTEAD))
    if len(points) < 2:
        raise ActivityFileError(
            f"This activity has no GPS track (an indoor or treadmill run?). Post the km with /update instead,"
            f" or send {SEND_INSTEAD} with GPS on."
        )
    if not times:
        raise ActivityFileError(
            f"This file has a track but no times, so the bot cannot tell the day of the run. Send {SEND_INSTEAD}"
            " as recorded (a planned route has no times)."
        )
    distance = track_length_m(points)
    if not math.isfinite(distance) or round(distance) <= 0:
        raise ActivityFileError(f"This activity has no distance: every point is in one place. Send {SEND_INSTEAD}.")
    started, ended = min(times), max(times)
    if started < EARLIEST or ended >= LATEST:
        wrong = started if started < EARLIEST else ended
        raise ActivityFileError(
            f"This file's times reach {wrong:%d %b %Y}, a date no watch records, so the bot cannot tell the day of"
            f" the run. Set the watch's clock and send {SEND_INSTEAD}."
        )
    return Activity(
        distance_m=round(distance),
        started_at=started,
        duration=ended - started,
        track=simplify(points, TRACK_MAX_POINTS),
        source=source,
        zoneless=zoneless,
    )


# --- Off the event loop, bounded -----------------------------------------------------------------------


async def read_activity_bounded(
    data: bytes, filename: str, timeout_s: float = DEFAULT_TIMEOUT_S, memory_bytes: int = DEFAULT_MEMORY_BYTES
) -> Activity:
    """`read_activity` in a child process: at most timeout_s seconds and memory_bytes of address space.

    The cheap checks run here first, without a child. One file is read at a time; a child past its time is
    killed. Every failure is an ActivityFileError with the reply for the runner.
    """
    precheck(data, filename)
    payload = await run_bounded(
        f"{__name__}:read_activity_dict", data, filename, error=ActivityFileError, send_instead=SEND_INSTEAD,
        timeout_s=timeout_s, memory_bytes=memory_bytes,
    )  # fmt: skip
    return Activity.from_dict(payload)
