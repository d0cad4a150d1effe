"""GPX bytes -> a gpxpy object, refusing what is unsafe or oversized before gpxpy builds anything.

Checks, cheapest first: the size (Telegram's download limit for bots), the content (an XML document whose
root is <gpx>, not an archive or another file under a .gpx name), no DOCTYPE (so no entity expansion and no
external entity is ever possible: nothing is expanded, nothing is fetched), UTF-8 text (what gpxpy reads),
and the number of points, counted in the text before gpxpy makes an object for each (and of namespace
declarations, which gpxpy's regular expressions would take quadratic time over).
"""

from __future__ import annotations

import io
from xml.etree import ElementTree
from xml.parsers import expat

import gpxpy
import gpxpy.gpx
from telegram.constants import FileSizeLimit

MAX_FILE_BYTES = int(FileSizeLimit.FILESIZE_DOWNLOAD)
MAX_POINTS = 200_000
"""Track, route and waypoints together: a day's run logged every second is ~30k-90k points."""
MAX_NAMESPACE_MARKS = 32
"""gpxpy reads namespaces with regular expressions that take quadratic time on many "xmlns" in a file;
real exports declare fewer than ten."""

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
    marks = max(text.count("xmlns"), text.count("schemaLocation"))
    if marks > MAX_NAMESPACE_MARKS:
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


def track_samples(
    data: bytes, error: type[FileRefusedError], *, send_instead: str
) -> tuple[list[tuple[float, float]], list[str], bool]:
    """An activity's track points ((lat, lon)), their time texts, and whether the file has route points
    instead; after the checks above. Streamed with the standard library's ElementTree.iterparse, each
    point dropped once read: several times faster and smaller than building gpxpy's objects, which a
    100,000-point activity does not need (only positions and times)."""
    checked_text(data, error, what="an activity", send_instead=send_instead)
    points: list[tuple[float, float]] = []
    times: list[str] = []
    has_route = False
    try:
        for _, element in ElementTree.iterparse(io.BytesIO(data), events=("end",)):
            name = element.tag.rsplit("}", 1)[-1]
            if name == "trkpt":
                points.append((float(element.attrib["lat"]), float(element.attrib["lon"])))
                for child in element:
                    if child.tag.rsplit("}", 1)[-1] == "time" and child.text:
                        times.append(child.text.strip())
                element.clear()
            elif name == "rtept":
                has_route = True
                element.clear()
    except (ElementTree.ParseError, KeyError, ValueError) as exc:
        raise error(f"This GPX file is damaged and could not be read. Send {send_instead}.") from exc
    return points, times, has_route
