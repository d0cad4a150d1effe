"""A realistic live-page dict for the Unity Run on day 4, and a PageSource serving it.

The figures are the demo's kind (day 1: 24 km, Ankita beside the route for 28 km; floods on day 4),
computed with the bot's own statistics. Tests, the browser check and the load bench use it until
the bot's own data source is wired in; the README ("The live page") describes each field.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import struct
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain import stats
from bot.domain.position_privacy import LIVE, Fix, PositionMode, PositionPolicy, public_position, public_track
from bot.services.live import progress_fields

IST = ZoneInfo("Asia/Kolkata")
START = date(2021, 8, 15)
END = date(2021, 8, 22)
DISTANCE_M = 416_000
NOW = datetime(2021, 8, 18, 13, 12, tzinfo=UTC)  # 18:42 IST on day 4
LEAD_DAYS_M = [24_000, 46_500, 52_000, 31_000]  # day 4: floods
COMPANION_DAYS_M = [28_000, 0, 0, 0]
ASHA_ID = 3001  # pledged 20.8 km, logged 5 km
RAVI_ID = 3002  # pledged, hidden from the board

# Mumbai to the Statue of Unity along the coast road, then inland from Bharuch.
ROUTE: list[tuple[float, float]] = [
    (18.9220, 72.8347),
    (19.0176, 72.8562),
    (19.2307, 72.8567),
    (19.4559, 72.8114),
    (19.7200, 72.9300),
    (20.1300, 72.9300),
    (20.3700, 72.9000),
    (20.6100, 72.9300),
    (20.9500, 72.9200),
    (21.1700, 72.8300),
    (21.6300, 72.9900),
    (21.7000, 72.9800),
    (21.8700, 73.5000),
    (21.8380, 73.7191),
]
CHECKPOINTS = [("Mumbai", 0), ("Vapi", 170_000), ("Surat", 270_000), ("Bharuch", 340_000), ("Statue of Unity", 416_000)]


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _along(share: float) -> tuple[float, float]:
    """The point `share` of the way along ROUTE."""
    legs = [_metres(a, b) for a, b in itertools.pairwise(ROUTE)]
    left = max(min(share, 1.0), 0.0) * sum(legs)
    for (a, b), leg in zip(itertools.pairwise(ROUTE), legs, strict=True):
        if left <= leg:
            t = left / leg if leg else 0.0
            return (round(a[0] + (b[0] - a[0]) * t, 5), round(a[1] + (b[1] - a[1]) * t, 5))
        left -= leg
    return ROUTE[-1]


def sample_positions() -> list[Fix]:
    """Milind's shared positions: every half hour from 06:00 to 18:30 IST on days 1-4."""
    fixes: list[Fix] = []
    covered = 0
    for day, day_m in enumerate(LEAD_DAYS_M):
        start = datetime.combine(START + timedelta(days=day), datetime.min.time(), IST) + timedelta(hours=6)
        steps = 25
        for step in range(steps + 1):
            share = (covered + day_m * step / steps) / DISTANCE_M
            lat, lon = _along(share)
            fixes.append((lat, lon, (start + timedelta(minutes=30 * step)).astimezone(UTC)))
        covered += day_m
    return fixes


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def sample_page(
    viewer_user_id: int | None = None,
    policy: PositionPolicy = LIVE,
    now: datetime = NOW,
) -> dict[str, Any]:
    """The page dict (schema 1) as the bot's source would build it for the Unity Run at `now`."""
    today = now.astimezone(IST).date()
    covered_m = sum(LEAD_DAYS_M)
    p = stats.progress(DISTANCE_M, START, END, covered_m, today)
    positions = sample_positions()
    position = public_position(positions, policy, now)
    track = public_track(positions, policy, now)
    days = []
    for n in range(1, p.days_total + 1):
        past = n <= len(LEAD_DAYS_M)
        days.append(
            {
                "day": n,
                "date": (START + timedelta(days=n - 1)).isoformat(),
                "lead_m": LEAD_DAYS_M[n - 1] if past else None,
                "companions_m": COMPANION_DAYS_M[n - 1] if past else None,
                "planned_m": min(round(DISTANCE_M * n / p.days_total), DISTANCE_M),
            }
        )
    checkpoints = []
    for name, at_m in CHECKPOINTS:
        lat, lon = _along(at_m / DISTANCE_M)
        passed = next((n for n, _ in enumerate(LEAD_DAYS_M, 1) if sum(LEAD_DAYS_M[:n]) >= at_m), None)
        checkpoints.append({"name": name, "at_m": at_m, "lat": lat, "lon": lon, "passed_day": passed})
    page: dict[str, Any] = {
        "schema": 1,
        "generated_at": _iso(now),
        "run": {
            "title": "The Unity Run",
            "start_place": "Mumbai",
            "end_place": "Statue of Unity",
            "start": START.isoformat(),
            "end": END.isoformat(),
            "time_zone": "Asia/Kolkata",
            "distance_m": DISTANCE_M,
            "stage": p.stage.name.lower(),
        },
        "progress": progress_fields(p),
        "days": days,
        "companions": [{"name": "Ankita Konwar", "covered_m": sum(COMPANION_DAYS_M)}],
        "route": [[lat, lon] for lat, lon in ROUTE],
        "checkpoints": checkpoints,
        "track": [[lat, lon, _iso(at)] for lat, lon, at in track],
        "position": None
        if position is None
        else {
            "runner": "Milind Soman",
            "lat": position[0],
            "lon": position[1],
            "at": _iso(position[2]),
            "precision": "coarse" if policy.mode is PositionMode.COARSE else "exact",
        },
        "position_policy": policy.to_text(),
        "updates": [
            _update(
                8, "Milind Soman", "lead", 4, "18:30", 31_000, "Flooded roads near Talasari; walking the water.", "p2"
            ),
            _update(7, "Milind Soman", "lead", 3, "19:05", 52_000, "Best day yet. Thank you, Valsad!", None),
            _update(6, "Milind Soman", "lead", 2, "19:40", 46_500, "A school in Virar came out to cheer.", "p1"),
            _update(2, "Ankita Konwar", "companion", 1, "18:10", 28_000, "16 flyovers climbed <3", None),
            _update(1, "Milind Soman", "lead", 1, "18:00", 24_000, "Day 1 done. Jai Hind!", None),
        ],
        "supporters": {
            "count": 4,
            "pledged_m": 83_200,
            "logged_m": 29_500,
            "board": [
                {"name": "Kavya", "pledged_m": 20_800, "logged_m": 12_000},
                {"name": "Asha", "pledged_m": 20_800, "logged_m": 5_000},
                {"name": "Dev <script>", "pledged_m": 20_800, "logged_m": 2_500},
            ],
        },
        "viewer": _viewer(viewer_user_id),
    }
    page["version"] = hashlib.sha256(json.dumps(page, sort_keys=True).encode()).hexdigest()[:16]
    return page


def _update(
    update_id: int, runner: str, role: str, day: int, hhmm: str, metres: int, note: str | None, photo: str | None
) -> dict[str, Any]:
    hour, minute = map(int, hhmm.split(":"))
    at = datetime.combine(START + timedelta(days=day - 1), datetime.min.time(), IST).replace(hour=hour, minute=minute)
    return {
        "id": update_id,
        "runner": runner,
        "role": role,
        "day": day,
        "date": at.date().isoformat(),
        "at": _iso(at),
        "distance_m": metres,
        "note": note,
        "photo": photo,
    }


def _viewer(user_id: int | None) -> dict[str, Any] | None:
    if user_id is None:
        return None
    if user_id == ASHA_ID:
        return {"user_id": user_id, "name": "Asha", "pledged_m": 20_800, "logged_m": 5_000, "hidden": False}
    if user_id == RAVI_ID:
        return {"user_id": user_id, "name": "Ravi", "pledged_m": 41_600, "logged_m": 10_000, "hidden": True}
    return {"user_id": user_id, "name": None, "pledged_m": None, "logged_m": 0, "hidden": False}


def tiny_png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    """A small gradient PNG, built with the standard library (sample photos)."""
    r, g, b = colour
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (r * x // width, g * y // height, b)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


SAMPLE_PHOTOS = {"p1": tiny_png(160, 120, (255, 160, 40)), "p2": tiny_png(160, 120, (40, 120, 255))}


SAMPLE_SLUG = "the-unity-run"


def sample_entry(page: dict[str, Any], slug: str = SAMPLE_SLUG) -> dict[str, Any]:
    """The index's entry (PageSource.index) for a page dict."""
    run = page["run"]
    return {
        "slug": slug,
        "title": run["title"],
        "from": run["start_place"],
        "to": run["end_place"],
        "distance_m": run["distance_m"],
        "start_date": run["start"],
        "end_date": run["end"],
        "covered_m": page["progress"]["covered_m"],
        "ended": run["stage"] == "ended",
        "page": f"/r/{slug}",
    }


class SamplePageSource:
    """A PageSource over the sample, one run at /r/the-unity-run: what tests, the browser check and the bench
    serve."""

    def __init__(self, policy: PositionPolicy = LIVE, now: datetime = NOW, slug: str = SAMPLE_SLUG) -> None:
        self.policy = policy
        self.now = now
        self.slug = slug
        self.page_calls = 0
        self.index_calls = 0
        self.photo_calls = 0

    async def page(self, slug: str, viewer_user_id: int | None) -> dict[str, Any] | None:
        self.page_calls += 1
        return sample_page(viewer_user_id, self.policy, self.now) if slug == self.slug else None

    async def index(self) -> dict[str, Any]:
        self.index_calls += 1
        entry = sample_entry(sample_page(None, self.policy, self.now), self.slug)
        return {"open": [] if entry["ended"] else [entry], "past": [entry] if entry["ended"] else []}

    async def photo(self, photo_id: str) -> bytes | None:
        self.photo_calls += 1
        return SAMPLE_PHOTOS.get(photo_id)
