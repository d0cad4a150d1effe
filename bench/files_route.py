"""`python -m bench.files_route`: the cost of reading activity files and placing positions on a route.

Figures (seconds unless named otherwise):
- files.gpx_s, files.fit_s: `read_activity` on a 100,000-point GPX and a 100,000-record FIT (in this
  process, median of `repeats`), and files.gpx_cpu_s, files.fit_cpu_s the CPU time of the same;
- files.gpx_peak_mb, files.fit_peak_mb, files.peak_mb: the high-water RSS of a child process reading one of
  those files (the way the bot reads them), files.child_base_mb that of a child that only imports;
- files.gpx_bounded_s: `read_activity_bounded` on the 100k GPX, child start included;
- files.hostile_max_s: the slowest refusal among the hostile files, each through `read_activity_bounded`;
- route.place_ms, route.place_p99_ms: `place` on a 5,000-point route, mean and 99th percentile of 2,000
  positions.
Targets: gpx_s and fit_s <= 1, hostile_max_s <= 2, place_ms <= 1.
"""

from __future__ import annotations

import asyncio
import io
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from bot.demo import files as demo_files
from bot.domain.geometry import Route, place
from bot.files.activity_files import ActivityFileError, read_activity, read_activity_bounded
from bot.files.safe_gpx import MAX_FILE_BYTES

POINTS = 100_000
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the (large) parent
_CHILD = """
import sys
from bot.files.activity_files import read_activity
path = sys.argv[1]
if path:
    with open(path, "rb") as f:
        read_activity(f.read(), path)
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


def _median_s(action: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds (CPU time leaves out waiting for a core on a shared machine)."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def _child_peak_mb(path: str) -> float:
    out = subprocess.run([sys.executable, "-c", _CHILD, path], check=True, capture_output=True, text=True).stdout
    return int(out.strip()) / 1024  # kB


def activity_files(points: int = POINTS) -> tuple[bytes, bytes]:
    """A GPX and a FIT of `points` samples each: a run along the Unity route, one sample a second."""
    route = demo_files.unity_route()
    samples = demo_files.run_along(route, 0, 400_000, demo_files.DAY1_START, every_s=1.0)[:points]
    return demo_files.activity_gpx(samples), demo_files.activity_fit(samples)


def hostile_files(fit: bytes) -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, file name) of files the bot must refuse quickly."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("run.gpx", b"<gpx/>")
    laughs = b'<!ENTITY a "lol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, (b"&a%d;" % (i - 1) if i > 1 else b"&a;") * 10) for i in range(1, 10)
    )
    point = b'<trkpt lat="19.1" lon="72.9"/>'
    damaged = bytearray(fit)
    damaged[len(damaged) // 2] ^= 0xFF
    return {
        "over 20 MB": (b"<gpx>" + b" " * MAX_FILE_BYTES, "big.gpx"),
        "entity expansion": (b"<?xml version='1.0'?><!DOCTYPE gpx [" + laughs + b"]><gpx>&a9;</gpx>", "lol.gpx"),
        "external entity": (b'<!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx>&x;</gpx>', "xxe.gpx"),
        "a million points": (b"<gpx><trk><trkseg>" + point * 1_000_000 + b"</trkseg></trk></gpx>", "m.gpx"),
        "3M xmlns": (b"<gpx>" + b" xmlns" * 3_000_000 + b"</gpx>", "ns.gpx"),
        "250k points": (b"<gpx><trk><trkseg>" + point * 250_000 + b"</trkseg></trk></gpx>", "q.gpx"),
        "truncated FIT": (fit[: len(fit) // 2], "cut.fit"),
        "damaged FIT": (bytes(damaged), "bad.fit"),
        "19 MB of junk after a FIT header": (fit[:12] + random.Random(2).randbytes(19_000_000), "junk.fit"),
        "zip named .gpx": (archive.getvalue(), "run.gpx"),
        "random bytes": (random.Random(1).randbytes(100_000), "run.fit"),
    }


async def _refusal_s(data: bytes, name: str) -> float:
    start = time.perf_counter()
    try:
        await read_activity_bounded(data, name)
    except ActivityFileError:
        return time.perf_counter() - start
    raise AssertionError(f"{name} was not refused")


def place_ms(positions: int = 2_000) -> tuple[float, float]:
    """Mean and 99th percentile of `place` on a 5,000-point route, positions scattered up to ~5 km around it."""
    unity = demo_files.unity_route()
    route = Route.from_points([unity.point_at(unity.length_m * i / 4_999) for i in range(5_000)])
    rng = random.Random(7)
    queries = []
    for _ in range(positions):
        lat, lon = route.point_at(rng.uniform(0, route.length_m))
        queries.append((lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05)))
    times = []
    for lat, lon in queries:
        start = time.perf_counter()
        place(route, lat, lon)
        times.append(time.perf_counter() - start)
    return statistics.mean(times) * 1000, statistics.quantiles(times, n=100)[98] * 1000


def measure(repeats: int = 3, points: int = POINTS) -> dict[str, float]:
    gpx, fit = activity_files(points)
    figures: dict[str, float] = {}
    figures["files.gpx_s"], figures["files.gpx_cpu_s"] = _median_s(lambda: read_activity(gpx, "run.gpx"), repeats)
    figures["files.fit_s"], figures["files.fit_cpu_s"] = _median_s(lambda: read_activity(fit, "run.fit"), repeats)
    with tempfile.TemporaryDirectory() as folder:
        for name, data in (("gpx", gpx), ("fit", fit)):
            path = Path(folder) / f"run.{name}"
            path.write_bytes(data)
            figures[f"files.{name}_peak_mb"] = _child_peak_mb(str(path))
    figures["files.child_base_mb"] = _child_peak_mb("")
    figures["files.peak_mb"] = max(figures["files.gpx_peak_mb"], figures["files.fit_peak_mb"])
    figures["files.gpx_bounded_s"], _ = _median_s(lambda: asyncio.run(read_activity_bounded(gpx, "run.gpx")), 1)

    async def refusals() -> dict[str, float]:
        return {name: await _refusal_s(data, file_name) for name, (data, file_name) in hostile_files(fit).items()}

    hostile = asyncio.run(refusals())
    figures["files.hostile_max_s"] = max(hostile.values())
    figures.update({f"files.hostile.{name}_s": seconds for name, seconds in hostile.items()})
    figures["route.place_ms"], figures["route.place_p99_ms"] = place_ms()
    return figures


if __name__ == "__main__":
    print(json.dumps({k: round(v, 4) for k, v in measure().items()}, indent=2))
