"""Pure functions that turn what a user typed into values, or a UserError that says how to write it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from bot.domain import pledge_math
from bot.domain.errors import UserError
from bot.domain.names import display_name
from bot.domain.time_zones import is_time_zone
from bot.domain.units import km

MAX_UPDATE_M = 300_000
MAX_RUN_M = 100_000_000
ROLES = ("lead", "companion", "organiser")
ROLE_SPELLINGS = {"organizer": "organiser", "co-organiser": "organiser", "co-organizer": "organiser"}

# A number with an optional decimal point or comma, then an optional unit word. Anything else ("nan",
# "inf", "1e309", "-5") fails the pattern, so Decimal only ever sees plain digits.
_NUMBER = re.compile(r"(?P<num>\d{1,9}(?:[.,]\d{1,6})?)(?![\d.,])", re.IGNORECASE)
_TOKEN = re.compile(r"\s*(\S+)")


def _unit_word(token: str) -> str:
    """'KM' -> 'km', 'k.m.' -> 'km', 'miles,' -> 'miles': what a unit written with dots or punctuation says."""
    return re.sub(r"[.,;:!?]+$", "", token).replace(".", "").lower()


METRE = Decimal(1)
KILOMETRE = Decimal(1000)
MILE = Decimal("1609.344")
UNITS: dict[str, Decimal] = {
    **dict.fromkeys(("m", "mtr", "mtrs", "metre", "metres", "meter", "meters"), METRE),
    **dict.fromkeys(("k", "km", "kms", "kilometre", "kilometres", "kilometer", "kilometers"), KILOMETRE),
    **dict.fromkeys(("mi", "mile", "miles"), MILE),
}
# Words that are units, but not of a distance this bot takes: refused, never kept as the note.
OTHER_UNITS = frozenset(
    (
        "cm",
        "mm",
        "ft",
        "feet",
        "foot",
        "yd",
        "yds",
        "yard",
        "yards",
        "nmi",
        "nm",
        "inch",
        "inches",
        "steps",
        "step",
        "laps",
        "lap",
        "km/h",
        "mi/h",
        "m²",
        "km²",
        "m/s",
        "kph",
        "kmh",
        "kmph",
        "mph",
        "kph",
        "min",
        "mins",
        "minute",
        "minutes",
        "hr",
        "hrs",
        "hour",
        "hours",
        "sec",
        "secs",
        "kcal",
        "cal",
    )
)
UNITS_TEXT = "km, m, metres or miles (mi)"
SMALLEST_M = 50  # shown as 0.1 km; anything less would be shown as 0 km (bot.domain.units.km)


def parse_distance(text: str, usage: str, max_m: int = MAX_UPDATE_M, min_m: int = SMALLEST_M) -> int:
    """'24', '24.5', '24,5', '24km', '24 km', '500m', '15 mi' -> metres."""
    metres, note = parse_distance_and_note(text, usage, max_m, min_m)
    if note:
        raise UserError(f"I could not read “{_clip(text)}” as a distance. Write it like: {usage}")
    return metres


def parse_distance_and_note(
    text: str, usage: str, max_m: int = MAX_UPDATE_M, min_m: int = SMALLEST_M
) -> tuple[int, str | None]:
    """'24 km Flyovers done' -> (24000, 'Flyovers done'); '15 mi' -> (24140, None). Units: UNITS, any case."""
    text = text.strip()
    if not text:
        raise UserError(f"Please give a distance. Write it like: {usage}")
    number = _NUMBER.match(text)
    if not number:
        raise UserError(f"I could not read “{_clip(text)}” as a distance. Write it like: {usage}")
    digits = number["num"]
    if re.fullmatch(r"\d{1,3},\d{3}", digits):
        raise UserError(
            f"Is “{digits}” {digits.replace(',', '.')} or {digits.replace(',', '')}? "
            f"Write it without a thousands comma. Write it like: {usage}"
        )
    rest = text[number.end() :]
    factor, unit = KILOMETRE, "km"
    token = _TOKEN.match(rest)
    word = _unit_word(token[1]) if token else ""
    if token and word in UNITS:
        unit, factor = token[1], UNITS[word]
        rest = rest[token.end() :]
        second = _TOKEN.match(rest)
        if second and (_unit_word(second[1]) in UNITS or _unit_word(second[1]) in OTHER_UNITS):
            raise UserError(f"I could not read “{_clip(text)}” as one distance. Write it like: {usage}")
    elif token and word in OTHER_UNITS:
        raise UserError(f"I take distances in {UNITS_TEXT}, not in {_clip(token[1])}. Write it like: {usage}")
    elif rest and not rest[0].isspace():
        raise UserError(f"I could not read “{_clip(text)}” as a distance in {UNITS_TEXT}. Write it like: {usage}")
    metres = int((Decimal(digits.replace(",", ".")) * factor).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if metres < max(min_m, 1):
        raise UserError(
            f"{digits} {unit} would be shown as 0 km: the smallest distance I take is 0.05 km (50 m)."
            f" Write it like: {usage}"
            if metres > 0 or (min_m > 1 and Decimal(digits.replace(",", ".")) > 0)
            else f"The distance must be more than 0. Write it like: {usage}"
        )
    if metres > max_m:
        converted = "" if factor == KILOMETRE else f" ({km(metres)} km)"
        raise UserError(
            f"{digits} {unit}{converted} is more than "
            f"{max_m // 1000} km: please check the figure. Write it like: {usage}"
        )
    return metres, rest.strip() or None


PLEDGE_USAGE = "/pledge (5% of the run), /pledge 10%, /pledge 12.5% or /pledge 20 km"
LOG_USAGE = "/log 5 Evening walk, or /log 5 yesterday for the day before"

# A share: up to four digits, two decimals, then %. "nan%", "1e309%", "-5%" fail the pattern.
_SHARE = re.compile(r"(?P<num>\d{1,4}(?:[.,]\d{1,2})?)\s*%")
_YESTERDAY = re.compile(r"yesterday\b\s*", re.IGNORECASE)


@dataclass(frozen=True)
class PledgeChoice:
    """What /pledge asked for: a share of the run (in %) or a distance (metres); one of the two."""

    percent: Decimal | None = None
    metres: int | None = None


@dataclass(frozen=True)
class LogEntry:
    metres: int
    yesterday: bool
    note: str | None


def parse_share(text: str, usage: str) -> Decimal:
    """'12.5%', '5 %' -> Decimal('12.5'), Decimal('5')."""
    match = _SHARE.fullmatch(text.strip())
    if not match:
        raise UserError(f"I could not read “{_clip(text)}” as a share. Write it like: {usage}")
    percent = Decimal(match["num"].replace(",", "."))
    if percent <= 0:
        raise UserError(f"The share must be more than 0%. Write it like: {usage}")
    return percent


def parse_pledge(text: str, usage: str = PLEDGE_USAGE) -> PledgeChoice:
    """'' -> 5%; '12.5%' -> a share; '20', '20 km' -> a distance. The run's limits: resolve_pledge."""
    text = text.strip()
    if not text:
        return PledgeChoice(percent=pledge_math.DEFAULT_PERCENT)
    if text.endswith("%"):
        return PledgeChoice(percent=parse_share(text, usage))
    # min_m=1: resolve_pledge says a pledge's own smallest figure, 0.1 km
    return PledgeChoice(metres=parse_distance(text, usage, max_m=MAX_RUN_M * pledge_math.MAX_PLEDGE_RUNS, min_m=1))


def resolve_pledge(choice: PledgeChoice, distance_m: int, usage: str = PLEDGE_USAGE) -> int:
    """The pledge in metres, rounded to the 0.1 km shown, from 0.1 km up to ten times the run."""
    if choice.percent is not None:
        metres = pledge_math.share_metres(distance_m, choice.percent)
    elif choice.metres is not None:
        metres = pledge_math.to_shown(choice.metres)
    else:
        raise UserError(f"Write the pledge like: {usage}")
    if metres < pledge_math.MIN_PLEDGE_M:
        raise UserError(f"A pledge is at least 0.1 km. Write it like: {usage}")
    if metres > pledge_math.max_pledge_m(distance_m):
        raise UserError(
            f"A pledge is at most {pledge_math.MAX_PLEDGE_RUNS} times the run "
            f"({pledge_math.max_pledge_m(distance_m) // 1000} km). Write it like: {usage}"
        )
    return metres


def parse_log(text: str, usage: str = LOG_USAGE) -> LogEntry:
    """'5 Evening walk' -> 5 km today; '5 yesterday Evening walk' -> 5 km for the day before."""
    metres, note = parse_distance_and_note(text, usage)
    yesterday = bool(note and _YESTERDAY.match(note))
    if note and yesterday:
        note = _YESTERDAY.sub("", note, count=1).strip() or None
    return LogEntry(metres, yesterday, note)


def parse_date(text: str, usage: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"“{_clip(text)}” is not a date (YYYY-MM-DD). Write it like: {usage}") from None


def parse_timezone(text: str, usage: str) -> str:
    zone = text.strip()
    if not is_time_zone(zone):
        raise UserError(f"“{_clip(zone)}” is not a known time zone (e.g. Asia/Kolkata). Write it like: {usage}")
    return zone


_TIME_OF_DAY = re.compile(r"(?P<hour>[01]?\d|2[0-3])[:.](?P<minute>[0-5]\d)")


def time_of_day(text: str) -> str | None:
    """'21:00', '9:05', '21.00' -> 'HH:MM' (24-hour); None when it is not a time of day."""
    match = _TIME_OF_DAY.fullmatch(text.strip())
    return f"{int(match['hour']):02d}:{match['minute']}" if match else None


def parse_time_of_day(text: str, usage: str) -> str:
    value = time_of_day(text)
    if value is None:
        raise UserError(f"“{_clip(text)}” is not a time of day (HH:MM, 00:00 to 23:59). Write it like: {usage}")
    return value


def parse_subscription(text: str, usage: str) -> tuple[str | None, str | None]:
    """'[HH:MM] [Time/Zone]', in either order -> (time or None, zone or None)."""
    words = text.split()
    if len(words) > 2:
        raise UserError(f"Give a time and, if you like, a time zone. Write it like: {usage}")
    time, zone = None, None
    for word in words:
        if word[0].isdigit() and time is None:
            time = parse_time_of_day(word, usage)
        elif not word[0].isdigit() and zone is None:
            zone = parse_timezone(word, usage)
        else:
            raise UserError(f"Give one time and at most one time zone. Write it like: {usage}")
    return time, zone


def parse_role(text: str, usage: str) -> str:
    role = text.strip().lower() or "lead"
    role = ROLE_SPELLINGS.get(role, role)
    if role not in ROLES:
        raise UserError(f"The role is lead, companion or organiser, not “{_clip(text)}”. Write it like: {usage}")
    return role


@dataclass(frozen=True)
class NewRun:
    title: str
    start_place: str
    end_place: str
    distance_m: int
    start_date: date
    end_date: date
    timezone: str | None


NEWRUN_USAGE = "/newrun The Unity Run | Mumbai | Statue of Unity | 416 | 2021-08-15 | 2021-08-22 | Asia/Kolkata"


def parse_new_run(text: str) -> NewRun:
    parts = [part.strip() for part in text.split("|")]
    if len(parts) not in (6, 7) or not all(parts):
        raise UserError(
            "A new run needs title, start, finish, km, start date and end date (time zone optional), "
            f"separated by |. Write it like: {NEWRUN_USAGE}"
        )
    title, start_place, end_place = (_limit(display_name(p), 100, NEWRUN_USAGE) for p in parts[:3])
    if not all((title, start_place, end_place)):
        raise UserError(f"The title, start and finish need letters you can see. Write it like: {NEWRUN_USAGE}")
    distance = parse_distance(parts[3], NEWRUN_USAGE, max_m=MAX_RUN_M)
    start, end = parse_date(parts[4], NEWRUN_USAGE), parse_date(parts[5], NEWRUN_USAGE)
    if end < start:
        raise UserError(f"The end date {end} is before the start date {start}. Write it like: {NEWRUN_USAGE}")
    check_run_length(start, end, NEWRUN_USAGE)
    zone = parse_timezone(parts[6], NEWRUN_USAGE) if len(parts) == 7 else None
    return NewRun(title, start_place, end_place, distance, start, end, zone)


MAX_RUN_DAYS = 5 * 366  # a run around the world takes about two years; a later end date is a typo


def check_run_length(start: date, end: date, usage: str) -> None:
    if (end - start).days + 1 > MAX_RUN_DAYS:
        raise UserError(
            f"{end.isoformat()} is more than 5 years after the start ({start.isoformat()}): please check the date. "
            f"Write it like: {usage}"
        )


def _limit(text: str, length: int, usage: str) -> str:
    if len(text) > length:
        raise UserError(f"“{_clip(text)}” is longer than {length} characters. Write it like: {usage}")
    return text


def _clip(text: str, length: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"
