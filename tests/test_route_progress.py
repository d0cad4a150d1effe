"""The pure parts of issue 13's wiring: /checkpoint's arguments, ETAs, plausibility, durations."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.checkpoint_parsing import CheckpointCommand, parse_checkpoint
from bot.domain.errors import UserError
from bot.domain.route_progress import Mark, duration_text, eta, implausible, next_mark

START = date(2021, 8, 15)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("Surat | 270", CheckpointCommand("Surat", 270_000)),
        ("  Gholvad   school |150.5 km", CheckpointCommand("Gholvad school", 150_500)),
        ("remove Surat", CheckpointCommand("Surat", None)),
        ("Remove  Statue of Unity", CheckpointCommand("Statue of Unity", None)),
        ("remove | 5", CheckpointCommand("remove", 5_000)),
    ],
)
def test_parse_checkpoint(text: str, command: CheckpointCommand) -> None:
    assert parse_checkpoint(text) == command


@pytest.mark.parametrize("text", ["", "Surat", "Surat | ", " | 270", "Surat | 270 | 5", "Surat | far", "x" * 65 + "|1"])
def test_parse_checkpoint_refuses_with_the_usage(text: str) -> None:
    with pytest.raises(UserError, match=r"/checkpoint|name"):
        parse_checkpoint(text)


def test_eta_is_the_day_the_average_reaches_the_km() -> None:
    assert eta(53_500, 24_000, START, START) == date(2021, 8, 17)  # 53.5 km at 24 km a day: day 3
    assert eta(48_000, 24_000, START, START) == date(2021, 8, 16)  # exactly two days
    assert eta(10_000, 5_000, START, date(2021, 8, 20)) == date(2021, 8, 20)  # never before today
    assert eta(10_000, None, START, START) is None


def test_next_mark_is_the_first_not_reached() -> None:
    marks = [Mark("B", 200, None), Mark("A", 100, date(2021, 8, 15)), Mark("C", 300, None)]
    assert next_mark(marks, 150) == Mark("B", 200, None)
    assert next_mark(marks, 300) is None


@pytest.mark.parametrize(
    ("metres", "seconds", "why"),
    [
        (24_000, 9_360, None),
        (42_195, 2 * 3600 + 1 * 60, None),  # a world-record marathon is a run
        (60_000, 3_600, "faster than anyone runs (a ride in a car or on a bike?)"),
        (301_000, 3 * 86_400, "over 300 km in one activity"),
        (50, 60, "under 100 m"),
        (5_000, 0, "faster than anyone runs (a ride in a car or on a bike?)"),
    ],
)
def test_implausible(metres: int, seconds: float, why: str | None) -> None:
    assert implausible(metres, seconds) == why


@pytest.mark.parametrize(
    ("seconds", "text"), [(18_720, "5 h 12 min"), (2_880, "48 min"), (7_200, "2 h"), (90, "2 min")]
)
def test_duration_text(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text
