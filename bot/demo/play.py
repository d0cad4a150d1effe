"""`python -m bot demo`: the whole Unity Run, offline, in seconds.

The real application (handlers, storage, job queue, summaries) plays the story; only the Bot API is
a fake in this process, and the clock is simulated. Figures after day 1 are invented but plausible:
floods around day 4, a fever near 170 km, a rest day, the end date moved, a finish a few km short.

Beside it, the same week: the Powai Striders' weekend relay (21-22 Aug), a second run of the same bot with
its own co-organiser (the club's captain, not an operator), runners and group; Asha pledges to both, and the
bot asks which run her next /log means. After the end, the Unity Run's archive: /runs and the index page.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import warnings
from collections.abc import Awaitable, Callable
from datetime import datetime
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram.ext import AIORateLimiter

from bot.demo.files import unity_day1_fit, unity_route, unity_route_gpx
from bot.demo.photo import road_at_dawn
from bot.demo.simulator import Call, Clock, Person, Simulator, group_chat
from bot.edge.jobs import SUMMARIES
from bot.services import live

IST = ZoneInfo("Asia/Kolkata")
PRIYA = Person(1001, "Priya", "(organiser)")
MILIND = Person(2001, "Milind", "Soman")
ANKITA = Person(2002, "Ankita", "Konwar")
ASHA = Person(3001, "Asha")
RAVI = Person(3002, "Ravi")
KAVYA = Person(3003, "Kavya")
FANS = group_chat(-1001500000001, "Unity Run Fans")
# The second run: the Powai Striders' weekend relay, a loop of Powai Lake, with its own people and group.
ROHAN = Person(4001, "Rohan", "Kulkarni")  # the club's captain: co-organiser of the relay, not an operator
NEHA = Person(4002, "Neha", "Iyer")
ARJUN = Person(4003, "Arjun", "Mehta")
STRIDERS = group_chat(-1001500000002, "Powai Striders")
RELAY = "Powai Striders Weekend Relay"
RELAY_SLUG = "powai-striders-weekend-relay"


def ist(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2021, 8, day, hour, minute, tzinfo=IST)


def plain(html: str) -> str:
    """What a reader sees of an HTML message."""
    return unescape(re.sub(r"<[^>]+>", "", html))


class Transcript:
    def __init__(self, sim: Simulator, write: Callable[[str], None]) -> None:
        self.sim = sim
        self.write = write
        people = {p.id: p.first_name for p in (PRIYA, MILIND, ANKITA, ASHA, RAVI, KAVYA, ROHAN, NEHA, ARJUN)}
        self.names = people | {FANS["id"]: FANS["title"], STRIDERS["id"]: STRIDERS["title"]}

    def heading(self, text: str) -> None:
        self.write(f"\n═══ {text} ═══")

    def said(self, who: Person, what: str, where: dict | None = None) -> None:
        place = f" in {where['title']}" if where else ""
        self.write(f"[{self.sim.clock.now.astimezone(IST):%H:%M}] {who.first_name}{place}: {what}")

    def replies(self, calls: list[Call]) -> None:
        for call in calls:
            if call.method not in ("sendMessage", "sendPhoto"):
                continue
            to = self.names.get(call.chat_id or 0, str(call.chat_id))
            photo = "[photo] " if call.method == "sendPhoto" else ""
            body = plain(call.text).replace("\n", "\n        ")
            self.write(f"   🤖 → {to}: {photo}{body}")

    def tapped(self, calls: list[Call]) -> None:
        """What a tap on a button changed: the message it was under, edited; a refusal on the button."""
        for call in calls:
            if call.method == "editMessageText":
                to = self.names.get(call.chat_id or 0, str(call.chat_id))
                self.write(f"   🤖 ✎ {to}: (the message with the buttons now says) {plain(call.text)}")
            elif call.method == "answerCallbackQuery" and call.params.get("text"):
                self.write(f"   🤖 (on the button) {call.params['text']}")
        self.replies(calls)


class Story:
    def __init__(self, sim: Simulator, transcript: Transcript) -> None:
        self.sim, self.t = sim, transcript
        self.last: list[Call] = []  # the Bot API calls the last message said caused (its buttons, for a tap)

    async def send(self, payload: dict) -> list[Call]:
        """One update through the application, and what its handler started to finish after the reply (a
        pledge's card, drawn meanwhile): the Bot API calls, in order."""
        first, before = len(self.sim.api.calls), asyncio.all_tasks()
        await self.sim.send(payload)
        started = asyncio.all_tasks() - before
        await asyncio.gather(*started)
        return self.sim.api.calls[first:]

    def at(self, day: int, hour: int, minute: int = 0) -> None:
        self.sim.clock.now = ist(day, hour, minute)

    async def say(self, who: Person, text: str, where: dict | None = None) -> dict:
        payload = self.sim.updates.text(who, text, where)
        self.t.said(who, text, where)
        self.last = await self.send(payload)
        self.t.replies(self.last)
        self.t.replies(await self.sim.deliver())
        return payload

    async def tap(self, who: Person, label: str, asked: dict | None = None, where: dict | None = None) -> None:
        """`who` taps the button `label` under the bot's last reply. Where that reply quoted `asked` (the
        message a "which run?" question is about), the tap carries it, as Telegram sends it."""
        question = next(c for c in self.last if "reply_markup" in c.params)
        buttons = [b for row in question.params["reply_markup"]["inline_keyboard"] for b in row]
        data = next(b["callback_data"] for b in buttons if b["text"].removeprefix("✓ ") == label)
        quoted = question.params.get("reply_parameters", {}).get("message_id")
        reply_to = asked["message"] if asked and quoted == asked["message"]["message_id"] else None
        tap = self.sim.updates.callback(who, data, chat=where, text=question.text, reply_to=reply_to)
        self.t.said(who, f"(taps “{label}”)", where)
        self.t.tapped(await self.send(tap))
        self.t.replies(await self.sim.deliver())

    async def edit(self, who: Person, original: dict, text: str) -> None:
        self.t.said(who, f"(edits the message to) {text}")
        self.t.replies(await self.send(self.sim.updates.edit(original, text=text)))
        self.t.replies(await self.sim.deliver())

    async def photo(self, who: Person, caption: str) -> None:
        self.t.said(who, f"[photo] {caption}")
        file_id = f"demo-photo-{len(self.sim.api.files) + 1}"
        self.sim.api.files[file_id] = road_at_dawn()  # what the live page downloads and shows (demo --serve)
        self.t.replies(await self.send(self.sim.updates.photo(who, caption, file_id=file_id)))
        self.t.replies(await self.sim.deliver())

    async def document(self, who: Person, file_name: str, data: bytes, caption: str | None = None) -> None:
        """A file sent as a document (a route, a watch's activity); the fake Bot API serves its download."""
        file_id = f"demo-{file_name}"
        self.sim.api.files[file_id] = data
        payload = self.sim.updates.document(who, file_name, file_id, file_size=len(data), caption=caption)
        self.t.said(who, f"[file {file_name}, {len(data) // 1000:,} kB]" + (f" {caption}" if caption else ""))
        self.t.replies(await self.send(payload))
        self.t.replies(await self.sim.deliver())

    async def location(self, who: Person, latitude: float, longitude: float, live: bool = False) -> dict:
        payload = self.sim.updates.location(who, latitude, longitude, live_period=8 * 3600 if live else None)
        self.t.said(who, f"[{'live ' if live else ''}location {latitude:.4f}, {longitude:.4f}]")
        self.t.replies(await self.send(payload))
        return payload

    async def move(self, who: Person, live: dict, latitude: float, longitude: float) -> None:
        self.t.said(who, f"[live location moves to {latitude:.4f}, {longitude:.4f}]")
        self.t.replies(
            await self.send(self.sim.updates.edit(live, location={"latitude": latitude, "longitude": longitude}))
        )

    async def jobs(self, name: str) -> list[Call]:
        calls = await self.sim.run_jobs(name)
        self.t.replies(calls)
        return calls

    async def evening(self, day: int) -> list[Call]:
        """21:00 in Mumbai: the summaries' job makes its pass."""
        self.at(day, 21, 0)
        self.t.write("[21:00] ⏰ the daily summary job runs")
        return await self.jobs(SUMMARIES)


# (day of August, lead km, lead note, companion km or None, where the runner is at dusk)
DAYS: list[tuple[int, str | None, str | None, str | None, tuple[float, float] | None]] = [
    (
        16,
        "55",
        "Virar to Palghar. Visited a school: 300 children ran the last 500 m with me.",
        None,
        (19.6967, 72.7699),
    ),
    (17, "58", "Dahanu. A village stop at a primary health centre.", None, (19.9675, 72.7150)),
    (18, "30", "Flooded roads near Vapi: waded more than ran.", None, (20.3893, 72.9106)),
    (
        19,
        "20",
        "Fever and a cough since the morning, stopped near 170 km. Doctor says bronchitis.",
        None,
        (20.5992, 72.9342),
    ),
    (20, None, None, None, None),  # rest: no update at all
    (21, "48", "Back on the road, slowly. Thank you for every message.", None, (21.1702, 72.8311)),
    (22, "60", "Surat to Bharuch, hospital visit on the way.", "12", (21.7051, 72.9959)),
    (23, "62", "Vadodara outskirts. Legs heavy, heart full.", None, (22.3072, 73.1812)),
]


async def play(sim: Simulator, t: Transcript) -> None:
    s = Story(sim, t)
    t.heading("14 Aug 2021 · the eve of the run")
    s.at(14, 18)
    await s.say(
        PRIYA, "/newrun The Unity Run | Mumbai | Statue of Unity | 416 | 2021-08-15 | 2021-08-22 | Asia/Kolkata"
    )
    await s.say(PRIYA, "/invite lead")
    await s.say(MILIND, f"/start {token(sim)}")
    await s.say(PRIYA, "/invite companion")
    await s.say(ANKITA, f"/start {token(sim)}")
    await s.document(PRIYA, "unity-run-route.gpx", unity_route_gpx(), caption="/route")
    await s.say(PRIYA, "/checkpoint Gholvad school visit | 150")
    sim.api.admins[FANS["id"]] = [KAVYA]
    t.said(KAVYA, "(adds the bot to the group)", FANS)
    t.replies(await sim.send(sim.updates.my_membership(FANS, KAVYA, "left", "member")))
    await s.say(KAVYA, "/subscribe@UnityRunBot 21:00", FANS)
    await s.say(ASHA, "/follow")
    await s.say(ASHA, "/pledge")
    await s.say(RAVI, "/pledge 10%")

    t.heading("15 Aug 2021 · day 1 · Independence Day")
    s.at(15, 5, 45)
    live = await s.location(MILIND, 18.9220, 72.8347, live=True)
    s.at(15, 10)
    await s.move(MILIND, live, *on_route(10_000))
    await s.say(ASHA, "/today")
    s.at(15, 13, 30)
    await s.document(MILIND, "Morning_Run.fit", unity_day1_fit(), caption="Day one! Gateway of India, 16 flyovers")
    await s.say(ANKITA, "/update 28 Ran with him from the Gateway: 16 flyovers!")
    s.at(15, 18, 30)
    await s.move(MILIND, live, *on_route(24_000))
    await s.say(ASHA, "/progress")
    await s.say(ASHA, "/log 5 Morning walk on Marine Drive")
    await s.say(RAVI, "/today@UnityRunBot", FANS)
    await s.evening(15)

    covered = 24_000
    for day, lead_km, note, companion_km, where in DAYS:
        number = day - 14
        t.heading(f"{day} Aug 2021 · day {number}" + (f" · {RELAY}, day {day - 20}" if day in (21, 22) else ""))
        await supporters_day(s, day)
        await relay_day(s, day)
        if lead_km is None or where is None:
            s.at(day, 12)
            await s.say(ASHA, "/today")
            if day == 20:
                await s.say(PRIYA, "/setend 2021-08-24")
        else:
            s.at(day, 19)
            if number == 2:
                await s.photo(MILIND, f"/update {lead_km} {note}")
            elif number == 3:  # a typo, corrected by editing the message
                wrong = await s.say(MILIND, f"/update {lead_km[0]}.{lead_km[1:]} {note}")
                await s.edit(MILIND, wrong, f"/update {lead_km} {note}")
            else:
                await s.say(MILIND, f"/update {lead_km} {note}")
            if companion_km:
                await s.say(ANKITA, f"/update {companion_km} Joined for the Bharuch stretch")
            covered += int(lead_km) * 1000
            await s.location(MILIND, *on_route(covered, where))
            if number == 4:
                await s.say(RAVI, "/checkpoints")
                await s.say(RAVI, "/progress")
        if day == 21:
            await pledged_to_both(s)
        await s.evening(day)

    t.heading("24 Aug 2021 · day 10 · Kevadia")
    s.at(24, 17)
    await s.say(MILIND, "/update 52 Statue of Unity! A few km short of 416, and that is fine. Thank you, India.")
    await s.location(MILIND, 21.8380, 73.7191)
    await s.say(PRIYA, "/endrun")
    await s.say(ASHA, "/mypledge")
    await s.say(RAVI, "/mypledge")
    await s.say(KAVYA, "/supporters@UnityRunBot", FANS)
    await s.evening(24)
    await archive(s)


async def supporters_day(s: Story, day: int) -> None:
    """Supporters walking and running alongside, a little each day."""
    s.at(day, 7, 30)
    if day % 2 == 0:
        await s.say(ASHA, "/log 3 Walk before work")
    if day in (16, 19, 22):
        await s.say(RAVI, "/log 8.5 Morning run by the sea")
    if day == 18:
        await s.say(ASHA, "/log 2.5 yesterday Forgot to log the stairs")
        await s.say(ASHA, "/mypledge")
    if day == 21:
        await s.say(KAVYA, "/pledge 25%")
        await s.say(ASHA, "/supporters")


async def relay_day(s: Story, day: int) -> None:
    """The Powai Striders' weekend relay: set up on 17 Aug, run on 21-22 Aug (before the Unity Run's 19:00)."""
    if day == 17:
        await relay_set_up(s)
    elif day == 21:
        s.at(21, 9)
        await s.say(NEHA, "/update@UnityRunBot 26 Legs 1-4 done: four laps of Powai Lake at sunrise", STRIDERS)
        s.at(21, 17, 30)
        await s.say(ARJUN, "/update 24 Legs 5-8 through the afternoon rain")
    elif day == 22:
        s.at(22, 11)
        await s.say(NEHA, "/update 23 Legs 9-12, the whole club cheering at the dam")
        s.at(22, 17)
        await s.say(ARJUN, "/update@UnityRunBot 28 Last legs done: 101 km round Powai!", STRIDERS)
        await s.say(ASHA, "/log@UnityRunBot 6 Ran the last lap with the club", STRIDERS)
        await s.say(RAVI, "/progress@UnityRunBot", STRIDERS)
        await s.say(ROHAN, "/endrun")


async def relay_set_up(s: Story) -> None:
    """An operator creates the relay and makes the club's captain its co-organiser; he invites its runners,
    keeps it off the index (a club's run), and makes the club's group follow it."""
    sim, t = s.sim, s.t
    s.at(17, 12)
    t.write("— the same week, a second run: the Powai Striders' weekend relay —")
    await s.say(PRIYA, f"/newrun {RELAY} | Powai Lake | Powai Lake | 100 | 2021-08-21 | 2021-08-22 | Asia/Kolkata")
    await s.say(PRIYA, "/invite organiser")
    await s.say(ROHAN, f"/start {token(sim)}")
    await s.say(PRIYA, "/runs")  # her chat went with the run she created: back to the Unity Run
    await s.tap(PRIYA, "The Unity Run")
    await s.say(ROHAN, "/unlist")
    for runner in (NEHA, ARJUN):
        await s.say(ROHAN, "/invite lead")
        await s.say(runner, f"/start {token(sim)}")
    sim.api.admins[STRIDERS["id"]] = [ROHAN]
    t.said(ROHAN, f"(opens https://t.me/UnityRunBot?startgroup={RELAY_SLUG} and picks the club's group)")
    t.replies(await sim.send(sim.updates.my_membership(STRIDERS, ROHAN, "left", "member")))
    await s.say(ROHAN, f"/start@UnityRunBot {RELAY_SLUG}", STRIDERS)
    await s.say(ROHAN, "/subscribe@UnityRunBot 21:00", STRIDERS)


async def pledged_to_both(s: Story) -> None:
    """Asha, in the club's group, pledges to the relay too: her private chat could now mean either run."""
    s.at(21, 19, 45)
    await s.say(ASHA, "/pledge@UnityRunBot 10", STRIDERS)
    s.at(21, 20, 15)
    asked = await s.say(ASHA, "/log 5 Evening walk at Juhu")
    await s.tap(ASHA, "The Unity Run", asked)
    await s.say(ASHA, "/runs")


async def archive(s: Story) -> None:
    """After the end: what a supporter and the index page show of the runs that were."""
    s.t.heading("25 Aug 2021 · the archive")
    s.at(25, 9)
    await s.say(ASHA, "/runs")
    index = await live.index(s.sim.db, s.sim.clock.now)
    s.t.write("[09:00] 🌐 the index page (/api/runs.json):")
    s.t.write("   open runs: " + (", ".join(r["title"] for r in index["open"]) or "none"))
    for r in index["past"]:
        km = f"{r['covered_m'] / 1000:g} of {r['distance_m'] / 1000:g} km"
        dates = f"{r['start_date']} to {r['end_date']}"
        s.t.write(f"   past: {r['title']}, {r['from']} → {r['to']}: {km}, {dates}, {r['page']}")
    s.t.write(f"   ({RELAY} is unlisted: only its own address shows it, /r/{RELAY_SLUG})")


def on_route(covered_m: int, fallback: tuple[float, float] | None = None) -> tuple[float, float]:
    """Where the lead runner is after covered_m metres of the planned route (rounded as a phone shares it)."""
    lat, lon = _ROUTE.point_at(covered_m) if covered_m < _ROUTE.length_m else fallback or _ROUTE.points[-1]
    return round(lat, 4), round(lon, 4)


_ROUTE = unity_route()


def token(sim: Simulator) -> str:
    """The token in the bot's last invite link."""
    invite = next(c.text for c in reversed(sim.api.calls) if "?start=" in c.text)
    return invite.rsplit("start=", 1)[1].strip()


async def run_demo(
    database: Path | None,
    quiet: bool,
    write: Callable[[str], None] = print,
    then: Callable[[Simulator], Awaitable[None]] | None = None,
) -> int:
    """Play the demo; `then(sim)` runs after it, the application still open (bot/demo/serve.py serves its page)."""
    with tempfile.TemporaryDirectory() as folder:
        path = database or Path(folder) / "demo.db"
        limits_lifted = AIORateLimiter(overall_max_rate=0, group_max_rate=0)  # the fake has no limits to keep
        async with Simulator(path, frozenset({PRIYA.id}), clock=Clock(ist(14, 18)), rate_limiter=limits_lifted) as sim:
            lines: list[str] = []
            transcript = Transcript(sim, lines.append if quiet else write)
            with warnings.catch_warnings():  # the simulator does not start the application: Story.send awaits
                warnings.filterwarnings("ignore", "Tasks created via `Application.create_task`", UserWarning)
                await play(sim, transcript)
            final = [c for c in sim.api.sent(FANS["id"]) if "Final" in c.text or "final" in c.text]
            if quiet:
                write(plain(final[-1].text) if final else "\n".join(lines[-30:]))
            else:
                transcript.heading("Final standings")
                write(plain((await sim.send(sim.updates.text(ASHA, "/progress")))[0].text))
            if then is not None:
                await then(sim)
    return 0
