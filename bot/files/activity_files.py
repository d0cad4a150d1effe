"""A watch's activity file (GPX or FIT bytes) -> distance, start, elapsed time and a simplified track.

`read_activity` is pure and synchronous. `read_activity_bounded` runs it in a child process with a time
limit and a memory limit (bot.files.bounded_read), so a hostile or huge file costs the bot one bounded child, not
its event loop.

Distance rule, as the device counts: where the file carries the device's own distance (a FIT session's
total_distance; without one, its records' running distance or its laps'), that is the figure, unless its
track belies it (a long track, and a total more than twice or under half of it). Otherwise the sum of the
recorded track, by bot.files.recorded_track's rules: no line across a pause or between two track segments,
no point written before the GPS had a fix, far off the track, or without a time beside timed ones. The
Activity keeps both figures and says which counts.

Start and duration as the device reports them: a FIT session's start_time, to its start_time +
total_elapsed_time or the last record's time, whichever is later; a GPX track's first and last times.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from garmin_fit_sdk import Decoder, Stream

from bot.domain.coordinates import first_off_the_map, off_the_map_text
from bot.domain.geometry import LatLon, simplify
from bot.domain.units import km
from bot.files.bounded_read import DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_S, run_bounded
from bot.files.recorded_track import MeasuredTrack, measure
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
DistanceSource = Literal["device", "track"]
"""Which figure an activity's km are: the device's own (a FIT file's total), or the sum of its track."""

FIGURES_DIFFER = 0.03
"""The device's figure and the track's differ enough to tell the runner both when further apart than this."""
LONG_TRACK_M = 1_000
"""A track at least this long can overrule the device's figure..."""
FAR_APART = 2.0
"""... when that figure is more than this many times the track's, or less than its inverse: a total no watch
could have reached on that track (a wrong unit, a reset)."""


class ActivityFileError(FileRefusedError):
    """An activity file the bot will not read; `message` says what was wrong and what to send instead."""


@dataclass(frozen=True)
class Activity:
    distance_m: int
    """The km that count: the device's own figure (`device_m`) where the file has one that its track does not
    belie, else the track's (`track_m`). `distance_source` says which."""
    started_at: datetime
    """The start, aware, in UTC: a FIT session's start_time, else the first timestamp of the track."""
    duration: timedelta
    """Elapsed time, pauses included: to the end of the FIT session (start_time + total_elapsed_time) or to the
    last timestamp, whichever is later (a last record may carry a time and no position)."""
    track: tuple[LatLon, ...]
    """The track simplified to at most TRACK_MAX_POINTS points."""
    source: Source
    """The file's format."""
    zoneless: bool = False
    """The file's times had no time zone (GPX says UTC; some apps write local time so): see
    bot.services.routes, which reads them as the run's local time when UTC would put them in the future."""
    track_m: int = 0
    """The sum of the recorded track (bot.files.recorded_track): no line across a pause or between segments."""
    device_m: int | None = None
    """The device's own distance (a FIT session's total_distance, else its records' or laps'); None in GPX."""
    distance_source: DistanceSource = "track"
    points: int = 0
    """The track's points read (before simplifying), those left out not counted."""
    notes: tuple[str, ...] = ()
    """What the reading left out or overruled, in words ("3 pauses not bridged (0.7 km)")."""

    @property
    def figures_differ(self) -> bool:
        """The device's figure and the track's are both known and more than FIGURES_DIFFER apart."""
        return (
            self.device_m is not None
            and self.track_m > 0
            and (abs(self.device_m - self.track_m) > FIGURES_DIFFER * self.track_m)
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (times as ISO 8601, the duration in seconds)."""
        return {
            "distance_m": self.distance_m,
            "started_at": self.started_at.isoformat(),
            "duration_s": self.duration.total_seconds(),
            "track": [list(p) for p in self.track],
            "source": self.source,
            "zoneless": self.zoneless,
            "track_m": self.track_m,
            "device_m": self.device_m,
            "distance_source": self.distance_source,
            "points": self.points,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> Activity:
        source = values["source"]
        if source not in ("gpx", "fit"):
            raise ValueError(f"unknown source {source!r}")
        distance_source = values.get("distance_source", "track")
        if distance_source not in ("device", "track"):
            raise ValueError(f"unknown distance source {distance_source!r}")
        device = values.get("device_m")
        return cls(
            distance_m=int(values["distance_m"]),
            started_at=datetime.fromisoformat(values["started_at"]).astimezone(UTC),
            duration=timedelta(seconds=float(values["duration_s"])),
            track=tuple((float(lat), float(lon)) for lat, lon in values["track"]),
            source=source,
            zoneless=bool(values.get("zoneless", False)),
            track_m=int(values.get("track_m", values["distance_m"])),
            device_m=None if device is None else int(device),
            distance_source=distance_source,
            points=int(values.get("points", len(values["track"]))),
            notes=tuple(str(note) for note in values.get("notes", ())),
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


@dataclass
class _Reading:
    """What a file says, before the rules: the track's points (times in seconds since FIT_EPOCH, NaN without
    one; a segment number each), the device's pauses (in the same seconds), its own distance, and its start and
    end (aware, UTC)."""

    lats: list[float] = field(default_factory=list)
    lons: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    segments: list[int] = field(default_factory=list)
    pauses: list[tuple[float, float]] = field(default_factory=list)
    device_m: float | None = None
    started: datetime | None = None
    ended: datetime | None = None
    zoneless: bool = False


def _utc(moment: datetime) -> datetime:
    # GPX times are UTC by the standard; one without a zone is taken as UTC
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _timestamp(stamp: str) -> datetime:
    """A GPX time (xsd:dateTime); ValueError for anything else, a bare date ("2021-08-15") included."""
    if "T" not in stamp.upper() and " " not in stamp:
        raise ValueError(f"no time of day in {stamp!r}")
    return datetime.fromisoformat(stamp)


def _seconds(moment: datetime) -> float:
    return (_utc(moment) - FIT_EPOCH).total_seconds()


def _gpx_reading(data: bytes) -> _Reading:
    samples = track_samples(data, ActivityFileError, send_instead=SEND_INSTEAD)
    off_map = first_off_the_map(samples.points)
    if off_map is not None:
        raise ActivityFileError(off_the_map_text(off_map, "activity file", SEND_INSTEAD))
    if not samples.points and samples.has_route:
        raise ActivityFileError(
            f"This GPX file holds a planned route, not a recorded activity (it has no times). Send {SEND_INSTEAD};"
            " organisers send a route with the caption /route."
        )
    reading = _Reading(segments=samples.segments)
    try:
        moments = [None if stamp is None else _timestamp(stamp) for stamp in samples.times]
    except ValueError:
        raise ActivityFileError(f"This GPX file has a time the bot cannot read. Send {SEND_INSTEAD}.") from None
    reading.zoneless = any(m is not None and m.tzinfo is None for m in moments)
    try:
        reading.times = [math.nan if m is None else _seconds(m) for m in moments]
    except OverflowError:  # a year near 1 or 9999, past what a timedelta holds once in UTC
        raise ActivityFileError(f"This GPX file has a time the bot cannot read. Send {SEND_INSTEAD}.") from None
    reading.lats = [lat for lat, _ in samples.points]
    reading.lons = [lon for _, lon in samples.points]
    timed = [_utc(m) for m in moments if m is not None]
    if timed:
        reading.started, reading.ended = min(timed), max(timed)
    return reading


class _TooManyRecords(Exception):
    pass


def _fit_files(data: bytes) -> list[bytes]:
    """Each FIT file of the stream (a stream may chain several), each whole and its CRC right: a cut or
    damaged file is refused before any record is read. (The SDK's own CRC check costs more than the
    whole read; this one is table-driven.)"""
    files = []
    start = 0
    while start < len(data):
        header_size = data[start]
        body_size = int.from_bytes(data[start + 4 : start + 8], "little")
        end = start + header_size + body_size + 2
        if header_size not in (12, 14) or data[start + 8 : start + 12] != b".FIT" or end > len(data):
            raise _damaged()
        if fit_crc(data[start:end]) != 0:
            raise _damaged()
        files.append(data[start:end])
        start = end
    return files


_COMPRESSED_TIMESTAMPS = "Compressed timestamp messages are not currently supported"  # the SDK's words
_FIT_SYSTEM_TIME = 0x10000000
"""FIT times below this are seconds since the device was switched on, not dates: no session start."""
_TIMER = 0  # event: the timer; its event_type 0 is a start, these are stops (stop, stop_all, stop_disable(_all)):
_TIMER_STOPS = frozenset((1, 4, 8, 9))


def _fit_reading(data: bytes) -> _Reading:
    """Read with Garmin's own FIT SDK, values raw (no scaling, no strings): 2x faster than fitdecode.

    The device's distance, file by file: its sessions' total_distance, else its records' running distance,
    else its laps' total_distance; none when a file has none of them.
    """
    reading = _Reading()
    records = 0

    def count(mesg_num: int, _message: object) -> None:
        nonlocal records
        if mesg_num == _RECORD:
            records += 1
            if records > MAX_POINTS:
                raise _TooManyRecords

    devices: list[float | None] = []
    stamps: list[int] = []
    starts: list[datetime] = []
    ends: list[datetime] = []
    for number, file in enumerate(_fit_files(data)):
        decoder = Decoder(Stream.from_byte_array(bytearray(file)))
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
        if any(_COMPRESSED_TIMESTAMPS in str(error) for error in errors):
            # the file is whole (its CRC is right): the SDK does not read this older way of writing times
            raise ActivityFileError(
                "This FIT file writes its times in an older, compressed form (as older watches such as the"
                " Forerunner 70 do), which the bot cannot read yet. Post the km with /update instead, or export"
                " the activity as GPX from the watch's app and send that."
            )
        if errors:
            raise _damaged()
        running: list[int] = []
        for record in messages.get("record_mesgs", ()):
            stamp = record.get("timestamp")
            at = float(stamp) if isinstance(stamp, int) else math.nan
            if isinstance(stamp, int):
                stamps.append(stamp)
            distance = record.get("distance")
            if isinstance(distance, int):
                running.append(distance)
            lat, lon = record.get("position_lat"), record.get("position_long")
            if isinstance(lat, int) and isinstance(lon, int):
                # FIT's invalid value (no fix) falls off the map and is left out with the 0,0 points
                reading.lats.append(math.nan if lat == _FIT_INVALID_SINT32 else lat * _SEMICIRCLE_DEG)
                reading.lons.append(math.nan if lon == _FIT_INVALID_SINT32 else lon * _SEMICIRCLE_DEG)
                reading.times.append(at)
                reading.segments.append(number)
        reading.pauses += _timer_pauses(messages.get("event_mesgs", ()))
        for session in messages.get("session_mesgs", ()):
            start, elapsed = session.get("start_time"), session.get("total_elapsed_time")
            if isinstance(start, int) and start >= _FIT_SYSTEM_TIME:
                starts.append(FIT_EPOCH + timedelta(seconds=start))
                if isinstance(elapsed, int):
                    ends.append(starts[-1] + timedelta(milliseconds=elapsed))
        devices.append(_device_m(messages.get("session_mesgs", []), messages.get("lap_mesgs", []), running))
    if all(device is not None for device in devices):
        reading.device_m = sum(device or 0.0 for device in devices)
    if stamps:
        ends.append(FIT_EPOCH + timedelta(seconds=max(stamps)))
    if starts or stamps:
        reading.started = min(starts) if starts else FIT_EPOCH + timedelta(seconds=min(stamps))
        reading.ended = max(ends)
    return reading


def _timer_pauses(events: Iterable[Mapping[str, object]]) -> list[tuple[float, float]]:
    """(stop, start) of each time the device's timer stopped and started again."""
    pauses = []
    stopped: float | None = None
    timer = [(e["timestamp"], e.get("event_type")) for e in events if e.get("event") == _TIMER]
    for at, kind in sorted((float(at), kind) for at, kind in timer if isinstance(at, int)):
        if kind in _TIMER_STOPS:
            stopped = at if stopped is None else stopped
        elif kind == 0 and stopped is not None:
            pauses.append((stopped, at))
            stopped = None
    return pauses


def _device_m(
    sessions: Iterable[Mapping[str, object]], laps: Iterable[Mapping[str, object]], running: list[int]
) -> float | None:
    """One FIT file's own distance in metres (raw values are centimetres): its sessions' total_distance, else
    its records' running distance, else its laps' total_distance; None when it has none of them."""
    for totals in (
        [session.get("total_distance") for session in sessions],
        [max(running)] if running else [],
        [lap.get("total_distance") for lap in laps],
    ):
        known = [t for t in totals if isinstance(t, int)]
        if known:
            return sum(known) / 100
    return None


def _damaged() -> ActivityFileError:
    return ActivityFileError(
        f"This FIT file is damaged or cut short and could not be read. Send {SEND_INSTEAD} again,"
        " exported anew from the watch or app."
    )


def read_activity_dict(data: bytes, filename: str) -> dict[str, Any]:
    """The child process's reader (bot.files.bounded_read)."""
    return read_activity(data, filename).to_dict()


def _far_apart(device_m: int, track_m: int) -> bool:
    """The device's figure is one its track belies: a long track, and a total more than FAR_APART off it."""
    return track_m >= LONG_TRACK_M and not track_m / FAR_APART <= device_m <= track_m * FAR_APART


def _notes(measured: MeasuredTrack, device_m: int | None, track_m: int, overruled: bool) -> tuple[str, ...]:
    def count(number: int, one: str, many: str) -> str:
        return f"{number:,} {one if number == 1 else many}"

    notes = []
    if measured.no_fix:
        points = count(measured.no_fix, "point", "points")
        notes.append(f"{points} written before the GPS had a fix (at 0,0 or invalid) left out")
    if measured.untimed:
        points = count(measured.untimed, "point", "points")
        notes.append(f"{points} without a time (a course beside the recording?) left out")
    if measured.outliers:
        notes.append(f"{count(measured.outliers, 'point', 'points')} far off the rest of the track left out")
    for number, metres, one, many in (
        (measured.pauses, measured.pauses_m, "pause", "pauses"),
        (measured.gaps, measured.gaps_m, "gap between track segments", "gaps between track segments"),
        (measured.jumps, measured.jumps_m, "jump of the GPS", "jumps of the GPS"),
    ):
        if number:
            length = km(round(metres))
            across = f"no straight line across {count(number, one, many)}"
            notes.append(across + (f" ({length} km)" if length != "0" else ""))
    if overruled and device_m is not None:
        notes.append(
            f"the device's own {km(device_m)} km is far from the track's {km(track_m)} km, so the track's km count"
        )
    return tuple(notes)


def read_activity(data: bytes, filename: str) -> Activity:
    """Read a GPX or FIT activity; ActivityFileError (with the reply for the runner) when it cannot be used."""
    source = precheck(data, filename)
    reading = _gpx_reading(data) if source == "gpx" else _fit_reading(data)
    measured = measure(reading.lats, reading.lons, reading.times, reading.segments, reading.pauses)
    if len(measured.points) < 2:
        raise ActivityFileError(
            f"This activity has no GPS track (an indoor or treadmill run?). Post the km with /update instead,"
            f" or send {SEND_INSTEAD} with GPS on."
        )
    if reading.started is None or reading.ended is None:
        raise ActivityFileError(
            f"This file has a track but no times, so the bot cannot tell the day of the run. Send {SEND_INSTEAD}"
            " as recorded (a planned route has no times)."
        )
    if not math.isfinite(measured.length_m) or round(measured.length_m) <= 0:
        raise ActivityFileError(f"This activity has no distance: every point is in one place. Send {SEND_INSTEAD}.")
    if reading.started < EARLIEST or reading.ended >= LATEST:
        wrong = reading.started if reading.started < EARLIEST else reading.ended
        raise ActivityFileError(
            f"This file's times reach {wrong:%d %b %Y}, a date no watch records, so the bot cannot tell the day of"
            f" the run. Set the watch's clock and send {SEND_INSTEAD}."
        )
    track_m = round(measured.length_m)
    device_m = None if reading.device_m is None else round(reading.device_m)
    overruled = device_m is not None and _far_apart(device_m, track_m)
    by_device = device_m is not None and device_m > 0 and not overruled
    return Activity(
        distance_m=device_m if by_device and device_m is not None else track_m,
        started_at=reading.started,
        duration=reading.ended - reading.started,
        track=simplify(measured.points, TRACK_MAX_POINTS),
        source=source,
        zoneless=reading.zoneless,
        track_m=track_m,
        device_m=device_m,
        distance_source="device" if by_device else "track",
        points=len(measured.points),
        notes=_notes(measured, device_m, track_m, overruled),
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
