"""GPX bytes -> a gpxpy object, refusing what is unsafe or oversized before gpxpy builds anything.

Checks, cheapest first: the size (Telegram's download limit for bots), the content (an XML document whose
root is <gpx>, not an archive or another file under a .gpx name), no DOCTYPE (so no entity expansion and no
external entity is ever possible: nothing is expanded, nothing is fetched), UTF-8 text (what gpxpy reads),
and the number of points, counted in the text before gpxpy makes an object for each.

Namespaces: a declaration on every point (Suunto's Movescount export declares its extension's namespace on
each of them) is read like one on the root. What is refused is what makes gpxpy's regular expressions take
quadratic time: many "xmlns" that are not declarations (each scanned to the next "="), or many different
namespaces.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from xml.etree import ElementTree
from xml.parsers import expat

import gpxpy
import gpxpy.gpx
import numpy as np
from telegram.constants import FileSizeLimit

MAX_FILE_BYTES = int(FileSizeLimit.FILESIZE_DOWNLOAD)
MAX_POINTS = 200_000
"""Track, route and waypoints together: a day's run logged every second is ~30k-90k points."""
MAX_NAMESPACE_MARKS = 32
"""gpxpy reads namespaces with regular expressions that take quadratic time on many "xmlns" that are not
declarations, and keeps every different namespace in a global table: at most this many of either (real exports
declare fewer than ten different namespaces, however many times they declare them)."""
DECLARATION_REACH = 64
"""An "xmlns" followed by "=" within this many bytes is a declaration ("xmlns:gpxtpx=")."""
_DECLARATION = re.compile(rb"""\sxmlns(?::([^\s=<>"']{1,64}))?\s{0,8}=\s{0,8}(["'])([^"'<>]{0,1024})\2""")

_ARCHIVES = {
    b"PK\x03\x04": "a zip archive",
    b"\x1f\x8b": "a gzip archive",
    b"7z\xbc\xaf": "a 7z archive",
    b"Rar!": "a rar archive",
}


class FileRefusedError(Exception):
    """A file the bot will not read; `message` is the short reply for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_size(size: int, error: type[FileRefusedError], send_instead: str) -> None:
    """Refuse a file over the bot download limit (also usable on `document.file_size` before downloading)."""
    if size > MAX_FILE_BYTES:
        limit_mb = MAX_FILE_BYTES // 1_000_000
        raise error(
            f"This file is over {limit_mb} MB, more than a bot can download from Telegram. Send {send_instead}"
            f" under {limit_mb} MB."
        )


def archive_kind(data: bytes) -> str | None:
    """'a zip archive' etc. when the bytes start like an archive, else None."""
    for magic, kind in _ARCHIVES.items():
        if data.startswith(magic):
            return kind
    return None


class _Doctype(Exception):
    pass


class _Root(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _root_name(data: bytes) -> str | None:
    """The root element's name, read by expat only as far as the root's start tag.

    Raises _Doctype at a DOCTYPE (or entity declaration) before any of it is processed; None when the
    bytes are not well-formed XML up to the root.
    """
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def on_doctype(*_: object) -> None:
        raise _Doctype

    def on_start(name: str, _attributes: object) -> None:
        raise _Root(name)

    parser.StartDoctypeDeclHandler = on_doctype
    parser.EntityDeclHandler = on_doctype
    parser.StartElementHandler = on_start
    try:
        parser.Parse(data, True)
    except _Root as root:
        return root.name
    except expat.ExpatError:
        return None
    return None


def namespace_trouble(data: bytes) -> int:
    """0 when the file's namespaces are safe for gpxpy; else the number of "xmlns" (or schemaLocation) marks.

    Safe: at most MAX_NAMESPACE_MARKS schemaLocation marks, at most MAX_NAMESPACE_MARKS "xmlns" that are not
    followed by "=" within DECLARATION_REACH bytes (gpxpy's pattern scans each of those to the next "="), and at
    most MAX_NAMESPACE_MARKS different namespaces declared. Linear in the file: numpy finds the marks.
    """
    marks = data.count(b"xmlns")
    locations = data.count(b"schemaLocation")
    if locations > MAX_NAMESPACE_MARKS:
        return max(marks, locations)
    if marks <= MAX_NAMESPACE_MARKS:
        return 0
    raw = np.frombuffer(data, dtype=np.uint8)
    at = np.ones(len(raw) - 4, dtype=bool)
    for offset, letter in enumerate(b"xmlns"):
        at &= raw[offset : len(raw) - 4 + offset] == letter
    starts = np.flatnonzero(at)
    equals = np.append(np.flatnonzero(raw == ord("=")), len(raw))  # the end of the file stands for "no = after"
    reach = equals[np.searchsorted(equals, starts)] - starts
    if int(np.count_nonzero(reach > DECLARATION_REACH)) > MAX_NAMESPACE_MARKS:
        return marks
    declared = {(prefix, uri) for prefix, _, uri in _DECLARATION.findall(data)}
    return marks if len(declared) > MAX_NAMESPACE_MARKS else 0


def checked_text(
    data: bytes, error: type[FileRefusedError], *, what: str, send_instead: str, max_points: int = MAX_POINTS
) -> str:
    """The GPX text, once the checks above passed; every refusal is `error(message)`.

    `what` names the file in messages ("an activity", "a route"); `send_instead` ends them.
    """
    check_size(len(data), error, send_instead)
    kind = archive_kind(data)
    if kind:
        raise error(f"This is {kind}, not a GPX file. Unzip it and send {send_instead}.")
    try:
        root = _root_name(data)
    except _Doctype:
        raise error(
            f"This GPX file declares a DOCTYPE or entities, which GPX files never need, so the bot will not read it."
            f" Export it again from the app and send {send_instead}."
        ) from None
    if root is None or root.rsplit(":", 1)[-1] != "gpx":
        raise error(f"This is not a GPX file. Send {send_instead}.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"This GPX file is not UTF-8 text. Export it again from the app and send {send_instead}.") from None
    marks = namespace_trouble(data)
    if marks:
        raise error(
            f"This GPX file has {marks:,} namespace declarations where GPX files have a few, so the bot will not"
            f" read it. Export it again from the app and send {send_instead}."
        )
    points = text.count("<trkpt") + text.count("<rtept") + text.count("<wpt")
    if points > max_points:
        raise error(
            f"This file has {points:,} points, more than the {max_points:,} the bot reads for {what}."
            f" Send {send_instead} with fewer points (one day, or a coarser recording)."
        )
    return text


def load_gpx(
    data: bytes, error: type[FileRefusedError], *, what: str, send_instead: str, max_points: int = MAX_POINTS
) -> gpxpy.gpx.GPX:
    """Parse GPX bytes with gpxpy after the checks above (a route: its waypoints and route points)."""
    text = checked_text(data, error, what=what, send_instead=send_instead, max_points=max_points)
    try:
        return gpxpy.parse(text)
    except Exception as exc:  # gpxpy raises its own errors, and ElementTree's, ValueError, ... through them
        if _out_of_memory(exc):
            raise MemoryError from exc
        raise error(f"This GPX file is damaged and could not be read. Send {send_instead}.") from exc


def _out_of_memory(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, MemoryError) or isinstance(getattr(seen, "original_exception", None), MemoryError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@dataclass
class GpxSamples:
    """An activity's track as written: per point its position, its time text (None without one) and its
    segment (numbered across the file: a new <trkseg> or <trk> starts a new one)."""

    points: list[tuple[float, float]] = field(default_factory=list)
    times: list[str | None] = field(default_factory=list)
    segments: list[int] = field(default_factory=list)
    has_route: bool = False
    """The file has route points (<rtept>): a planned route rather than a recording."""


def track_samples(data: bytes, error: type[FileRefusedError], *, send_instead: str) -> GpxSamples:
    """An activity's track points, their times and segments, after the checks above. Streamed with the
    standard library's ElementTree.iterparse, each point dropped once read: several times faster and smaller
    than building gpxpy's objects, which a 100,000-point activity does not need (only positions and times)."""
    checked_text(data, error, what="an activity", send_instead=send_instead)
    samples = GpxSamples()
    segment = 0
    names: dict[str, str] = {}  # tag -> its name without the namespace

    def name_of(tag: str) -> str:
        name = names.get(tag)
        if name is None:
            name = names[tag] = tag.rsplit("}", 1)[-1]
        return name

    try:
        for _, element in ElementTree.iterparse(io.BytesIO(data), events=("end",)):
            name = name_of(element.tag)
            if name == "trkpt":
                samples.points.append((float(element.attrib["lat"]), float(element.attrib["lon"])))
                stamp = None
                for child in element:
                    if child.text and name_of(child.tag) == "time":
                        stamp = child.text.strip()
                        break
                samples.times.append(stamp)
                samples.segments.append(segment)
                element.clear()
            elif name in ("trkseg", "trk"):
                segment += 1
                element.clear()
            elif name == "rtept":
                samples.has_route = True
                element.clear()
    except (ElementTree.ParseError, KeyError, ValueError) as exc:
        raise error(f"This GPX file is damaged and could not be read. Send {send_instead}.") from exc
    return samples
