"""Privacy against inference: a stranger reads only what the bot makes public and tries to place the runner.

For each /position setting the real bot (through its fake Bot API) follows two days of the Unity Run: the lead
runner shares a position every 20 minutes while running and posts the km three times a day, a companion posts
once a day, a follower gets the news and a group gets the daily summary. Then, on day 2 at 18:00 in Mumbai,
the stranger reads only public things: the page's JSON (the function the web server calls), /progress, /today,
/checkpoints and /chart in a group, the news a follower was sent, the group's summary. With the published
route (if any) they walk to the published km, as precisely as the page lets them (the page's route is
simplified, so they calibrate it with the checkpoints it places), and we compare with where the runner was.

The figures (metres off) are printed: `pytest -s tests/test_privacy_inference.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from bot.demo.files import unity_route, unity_route_gpx
from bot.demo.simulator import Simulator
from bot.domain.geometry import LatLon, Route, haversine_m, place
from bot.domain.units import km
from bot.edge.jobs import SUMMARIES
from bot.services import live
from tests.conftest import ANKITA, ASHA, MILIND, ORGANISER
from tests.test_summaries import FANS, ist, subscribe

ROUTE = unity_route()  # the truth: where the runner really runs
DELAY = timedelta(hours=5)
NOW = ist(16, 18, 0)  # when the stranger reads: day 2, 18:00 in Mumbai

# The lead runner's km along the route (cumulative) at each moment he posts: he runs 06:00-15:00 and posts
# at 09:00, 12:00 and 15:00; between those moments he moves evenly.
LEAD = [
    (ist(15, 6), 0),
    (ist(15, 9), 16_810),
    (ist(15, 12), 34_930),
    (ist(15, 15), 52_300),
    (ist(16, 6), 52_300),
    (ist(16, 9), 70_730),
    (ist(16, 12), 90_060),
    (ist(16, 15), 107_700),
]
POSTS = [(at, after - before) for (_, before), (at, after) in pairwise(LEAD) if after > before]
COMPANION = [(ist(15, 15, 10), 12_345), (ist(16, 15, 10), 8_765)]


def true_m(at: datetime) -> float:
    """Where the runner really is at `at`, in metres along the route."""
    if at <= LEAD[0][0]:
        return 0.0
    for (t0, m0), (t1, m1) in pairwise(LEAD):
        if t0 <= at <= t1:
            return m0 + (m1 - m0) * (at - t0) / (t1 - t0)
    return float(LEAD[-1][1])


def true_point(at: datetime) -> LatLon:
    return ROUTE.point_at(true_m(at))


def position_times() -> Iterator[datetime]:
    """Every 20 minutes while running, then twice while resting on day 2."""
    for day in (15, 16):
        at = ist(day, 6)
        while at <= ist(day, 15):
            yield at
            at += timedelta(minutes=20)
    yield ist(16, 17, 0)
    yield ist(16, 17, 40)


@dataclass
class Public:
    """Everything the stranger gets to read."""

    page: dict[str, Any]
    texts: dict[str, str]  # /progress, /today, /checkpoints, /chart, the summary
    news: list[tuple[datetime, str]] = field(default_factory=list)  # (when it arrived, text) at the follower

    def all_text(self) -> str:
        return "\n".join([*self.texts.values(), *(text for _, text in self.news)])


async def follow_the_run(sim: Simulator, policy: str, until: datetime = NOW) -> Public:
    """Two days of the run under `policy`, the outbox sent as it comes due; what the public sees at `until`."""
    await sim.say(ORGANISER, f"/position {policy}")
    await sim.send_file(ORGANISER, "unity.gpx", unity_route_gpx(), caption="/route")
    await sim.say(ASHA, "/follow")
    await subscribe(sim, FANS, args="18:00")
    news: list[tuple[datetime, str]] = []
    events: list[tuple[datetime, int, Any]] = [(at, 0, ("position", at)) for at in position_times()]
    events += [(at, 1, ("lead", m)) for at, m in POSTS] + [(at, 1, ("companion", m)) for at, m in COMPANION]
    for at, _, (what, value) in sorted(events, key=lambda e: (e[0], e[1])):
        if at > until:
            break
        sim.clock.now = at
        if what == "position":
            lat, lon = true_point(at)
            await sim.send(sim.updates.location(MILIND, lat, lon))
        elif what == "lead" and at == ist(16, 9):  # one update with a photo
            await sim.send(sim.updates.photo(MILIND, f"/update {value / 1000} Morning stretch", file_id="photo-2"))
        elif what == "lead":
            await sim.say(MILIND, f"/update {value / 1000} Going well")
        else:
            await sim.say(ANKITA, f"/update {value / 1000} Beside him")
        news += await delivered(sim)
    sim.clock.now = until
    news += await delivered(sim)
    summary = [c.text for c in await sim.run_jobs(SUMMARIES) if c.chat_id == FANS["id"] and c.text]
    texts = {
        "summary": "\n".join(summary),
        "progress": await sim.say(ASHA, "/progress", FANS),
        "today": await sim.say(ASHA, "/today", FANS),
        "checkpoints": await sim.say(ASHA, "/checkpoints", FANS),
        "chart": await sim.say(ASHA, "/chart", FANS),
    }
    page = await live.page(sim.db, "the-unity-run", sim.clock(), None)
    assert page is not None
    return Public(page, texts, news)


async def delivered(sim: Simulator) -> list[tuple[datetime, str]]:
    """The outbox sent now (as bot.edge.outbox's sender does): what the follower got, and when."""
    return [(sim.clock(), c.text) for c in await sim.deliver() if c.chat_id == ASHA.id]


# --- The stranger's tools -------------------------------------------------------------------------------


def walk(page: dict[str, Any], metres: float) -> LatLon | None:
    """The point `metres` along the published route, or None without one. The page's route is simplified
    (shorter than the real one), so the walk is calibrated with the checkpoints the page places on it."""
    if not page["route"]:
        return None
    drawn = Route.from_points([(lat, lon) for lat, lon in page["route"]])
    placed = sorted((c["at_m"], place(drawn, c["lat"], c["lon"]).along_m) for c in page["checkpoints"])
    anchors = [(0, 0), *placed]
    if len(anchors) < 2:
        return drawn.point_at(metres)
    pairs = list(pairwise(anchors))
    (m0, a0), (m1, a1) = next(((p, q) for p, q in pairs if p[0] <= metres < q[0]), pairs[-1])
    return drawn.point_at(a0 + (metres - m0) * (a1 - a0) / (m1 - m0))


def off_m(point: LatLon | None, truth: LatLon) -> float:
    assert point is not None
    return haversine_m(point[0], point[1], truth[0], truth[1])


def km_texts(metres: list[int]) -> list[str]:
    """How these figures would be written in a text: '18.4 km', '107.7 km', and in bold."""
    return [f"{km(m)} km" for m in metres] + [f"{km(m)}</b> km" for m in metres] + [f"+{km(m)} km" for m in metres]


def numbers(document: Any) -> Iterator[int | float]:
    """Every number in a JSON document."""
    if isinstance(document, dict):
        for value in document.values():
            yield from numbers(value)
    elif isinstance(document, list):
        for value in document:
            yield from numbers(value)
    elif isinstance(document, (int, float)) and not isinstance(document, bool):
        yield document


FIGURES: dict[str, dict[str, float]] = {}


def report(policy: str, **figures: float) -> None:
    FIGURES[policy] = figures
    print(f"\n{policy}: " + ", ".join(f"{name} {value:,.0f} m" for name, value in figures.items()))


# --- The four settings ----------------------------------------------------------------------------------


async def test_live_places_the_runner_where_he_is(unity):
    seen = await follow_the_run(unity, "live")
    page, now = seen.page, true_point(NOW)

    by_km = off_m(walk(page, page["progress"]["covered_m"]), now)
    by_position = off_m((page["position"]["lat"], page["position"]["lon"]), now)

    assert page["progress"]["covered_m"] == 107_700 and by_km < 100 and by_position < 100
    assert "107.7 km" in seen.texts["progress"] and "near km 107.7" in seen.texts["progress"]
    assert any("+17.6 km (day 2)" in text for _, text in seen.news)  # the 15:00 update, at once
    report("live", walking_the_km=by_km, the_position=by_position)


async def test_a_delay_places_the_runner_only_where_he_was_five_hours_ago(unity):
    seen = await follow_the_run(unity, "delay 5h")
    page, cutoff = seen.page, NOW - DELAY  # 13:00 on day 2
    newer = [(at, m) for at, m in POSTS if at > cutoff]
    assert newer == [(ist(16, 15), 17_640)]

    # The published km are those of 12:00, the last update posted by 13:00: walking them finds 12:00's place.
    covered = page["progress"]["covered_m"]
    placed = walk(page, covered)
    assert covered == 90_060
    by_km_then = off_m(placed, true_point(ist(16, 12)))
    by_km_now = off_m(placed, true_point(NOW))
    position_at = datetime.fromisoformat(page["position"]["at"].replace("Z", "+00:00"))
    by_position_then = off_m((page["position"]["lat"], page["position"]["lon"]), true_point(position_at))
    by_position_now = off_m((page["position"]["lat"], page["position"]["lon"]), true_point(NOW))
    assert by_km_then < 100 and by_position_then < 100 and position_at <= cutoff
    assert by_km_now > 10_000 and by_position_now > 10_000
    assert all(datetime.fromisoformat(p[2].replace("Z", "+00:00")) <= cutoff for p in page["track"])
    assert all(datetime.fromisoformat(u["at"].replace("Z", "+00:00")) <= cutoff for u in page["updates"])

    # Nothing of the 15:00 update anywhere: not its km, not the total it made, not its day's total.
    hidden = [17_640, 107_700, 107_700 - 52_300]  # its km, the total it made, day 2's km with it
    hidden += [8_765, 21_110]  # the companion's 15:10 update and her total after it
    text = seen.all_text()
    assert not [t for t in km_texts(hidden) if t in text], text
    assert not set(hidden) & set(numbers(page))
    assert "Going well" in seen.texts["today"] and seen.texts["today"].count("Beside him") == 0

    # The news went out five hours after the update that made it, never earlier, and the milestone (25% at
    # 15:00) waits for 20:00.
    posted_at = {f"+{km(m)} km": at for at, m in POSTS}
    for arrived, text in seen.news:
        figure = re.search(r"\+[\d.]+ km", text)
        if figure and figure[0] in posted_at:
            assert arrived >= posted_at[figure[0]] + DELAY, (arrived, text)
        assert "Quarter" not in text and "quarter" not in text
    assert any("📍" in text and "has passed" in text for _, text in seen.news)  # checkpoints, late
    unity.clock.now = ist(16, 20, 0)
    later = [text for _, text in await delivered(unity)]
    assert any("+17.6 km (day 2)" in text for text in later) and any("A quarter of the way" in t for t in later)
    report(
        "delay 5h",
        walking_the_km_vs_12_00=by_km_then,
        walking_the_km_vs_now=by_km_now,
        the_position_vs_its_time=by_position_then,
        the_position_vs_now=by_position_now,
    )


async def test_coarse_places_the_runner_no_closer_than_about_10_km(unity):
    seen = await follow_the_run(unity, "coarse")
    page, now = seen.page, true_point(NOW)
    covered = page["progress"]["covered_m"]

    # Every km figure is a whole 10 km: the km covered, each day's, the companion's; no update's own km.
    assert covered == 100_000
    assert all(
        d["lead_m"] % 10_000 == 0 and d["companions_m"] % 10_000 == 0 for d in page["days"] if d["lead_m"] is not None
    )
    assert [d["lead_m"] for d in page["days"][:2]] == [50_000, 50_000]
    assert all(c["covered_m"] % 10_000 == 0 for c in page["companions"])
    assert all(u["distance_m"] is None for u in page["updates"]) and page["updates"][0]["note"]
    exact = [m for _, m in POSTS] + [m for _, m in COMPANION] + [m for _, m in LEAD[1:]] + [12_345, 21_110]
    exact += [55_400, 52_300]  # day 2's km, day 1's km
    text = seen.all_text()
    assert not [t for t in km_texts(exact) if t in text], text
    assert not set(exact) & set(numbers(page))
    nears = [int(n.replace(",", "")) for n in re.findall(r"near km ([\d.]+)", text)]
    assert nears and all(n % 10 == 0 for n in nears)
    to_go = [float(n) for n in re.findall(r"Next checkpoint: \w+, ([\d.]+) km to go", text)]
    checkpoints_km = [c["at_m"] / 1000 for c in page["checkpoints"]]
    assert to_go and all(any(abs(at - g - covered / 1000) < 0.06 for at in checkpoints_km) for g in to_go)
    assert "posted an update (day 2)" in text and "Route so far: 100 of 416 km" in text

    # The best the stranger does: the middle of the 10 km the figure says, or the rounded position.
    by_km = off_m(walk(page, covered + 5_000), now)
    by_floor = off_m(walk(page, covered), now)
    by_position = off_m((page["position"]["lat"], page["position"]["lon"]), now)
    assert page["position"]["precision"] == "coarse"
    assert all(p[2].endswith(":00:00Z") or p[2].endswith(":00Z") for p in page["track"])
    assert by_km <= 10_000 and by_floor > 1_000
    # Where the two meet: the stretch of the published route within the 10 km the figure says and inside the
    # position's 0.1° cell.
    lat, lon = page["position"]["lat"], page["position"]["lon"]
    inside = [
        m
        for m in range(covered, covered + 10_000, 50)
        if (p := walk(page, m)) and abs(p[0] - lat) <= 0.05 and abs(p[1] - lon) <= 0.05
    ]
    both = (max(inside) - min(inside) + 50) if inside else 0
    report("coarse", walking_the_middle=by_km, walking_the_floor=by_floor, the_position=by_position,
           stretch_both_allow=both)  # fmt: skip


async def test_hide_publishes_no_route_and_no_place(unity):
    seen = await follow_the_run(unity, "hide")
    page = seen.page

    assert page["route"] is None and page["checkpoints"] == [] and page["track"] == [] and page["position"] is None
    assert walk(page, page["progress"]["covered_m"]) is None
    assert not [n for n in numbers(page) if isinstance(n, float)]  # no coordinate anywhere
    assert "no checkpoints are shown" in seen.texts["checkpoints"]
    seen.texts.pop("checkpoints")  # that reply says so under its 📍 heading
    text = seen.all_text()
    for clue in ("📍", "openstreetmap", "near km", "On the route", "Next checkpoint", "Vasai", "Virar"):
        assert clue not in text, clue
    assert page["progress"]["covered_m"] == 107_700  # the km stay: without a route they place no one
    report("hide", places_computed=0)


async def test_under_a_delay_an_undone_checkpoint_is_taken_back_before_it_goes_out(unity):
    await unity.say(ORGANISER, "/position delay 5h")
    await unity.send_file(ORGANISER, "unity.gpx", unity_route_gpx(), caption="/route")
    await unity.say(ASHA, "/follow")
    unity.clock.now = ist(15, 18)
    await unity.say(MILIND, "/update 60 Past Vasai")
    await unity.say(MILIND, "/undo")
    unity.clock.now = ist(15, 23, 1)

    sent = [c.text for c in await unity.deliver()]

    assert sent == [
        "🏃 <b>Milind Soman</b> · The Unity Run: +60 km (day 1)\nPast Vasai\nRoute so far: 60 of 416 km · 14.4%"
    ]


@pytest.fixture(scope="module", autouse=True)
def print_figures() -> Iterator[None]:
    yield
    if FIGURES:
        print("\nMetres between where the stranger places the runner and where he was:")
        for policy, figures in FIGURES.items():
            print(f"  {policy}: " + ", ".join(f"{k}={v:,.0f}" for k, v in figures.items()))


async def test_a_cached_page_follows_the_clock_under_a_delay_and_a_new_policy_at_once(unity):
    async def covered() -> int:
        page = await live.page(unity.db, "the-unity-run", unity.clock(), None)
        assert page is not None
        return int(page["progress"]["covered_m"])

    await unity.say(ORGANISER, "/position delay 60")
    unity.clock.now = ist(15, 17) + timedelta(seconds=30)
    await unity.say(MILIND, "/update 24.3 Day one")
    unity.clock.now = ist(15, 18) + timedelta(seconds=10)  # a minute's view of 17:00: the update is 30 s too young
    assert await covered() == 0
    unity.clock.now = ist(15, 18) + timedelta(seconds=50)  # the same minute: the same document, from the cache
    assert await covered() == 0
    unity.clock.now = ist(15, 18, 1) + timedelta(seconds=5)
    assert await covered() == 24_300
    await unity.say(ORGANISER, "/position coarse")
    assert await covered() == 20_000
    await unity.say(ORGANISER, "/position live")
    assert await covered() == 24_300


async def test_keys_that_move_with_the_clock_keep_the_memory_bounded(unity):
    from storage.db import MEMO_LIMIT

    for minute in range(MEMO_LIMIT + 100):
        await unity.db.cached(("minute", minute), [], lambda n=minute: _value(n))
    assert len(unity.db._shared.memo) <= MEMO_LIMIT


async def _value(n: int) -> int:
    return n
