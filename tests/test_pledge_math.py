"""The pledge arithmetic and parsing, without Telegram or a database."""

from datetime import date
from decimal import Decimal

import pytest

from bot.domain import pledge_math
from bot.domain.errors import UserError
from bot.domain.parsing import LogEntry, PledgeChoice, parse_log, parse_pledge, parse_share, resolve_pledge
from bot.replies import render

UNITY_M = 416_000
START, END = date(2021, 8, 15), date(2021, 8, 22)


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("", 20_800),  # no argument: 5% of the run
        ("5%", 20_800),
        ("5 %", 20_800),
        ("10%", 41_600),
        ("12.5%", 52_000),
        ("12,5%", 52_000),
        ("3%", 12_500),  # 12.48 km is shown as 12.5 km, and stored as shown
        ("1000%", 4_160_000),  # ten times the run: the limit
        ("20", 20_000),
        ("20 km", 20_000),
        ("20.85", 20_900),  # rounded half up to the 0.1 km shown
        ("20.84 km", 20_800),
        ("500m", 500),
        ("0.1", 100),
        ("4160", 4_160_000),
    ],
)
def test_a_pledge_in_percent_or_km_is_stored_as_it_is_shown(text, metres):
    assert resolve_pledge(parse_pledge(text), UNITY_M) == metres
    assert render.km(metres) == render.km(pledge_math.to_shown(metres))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("-5", "could not read"),
        ("abc", "could not read"),
        ("0%", "more than 0%"),
        ("0", "more than 0"),
        ("1e309", "could not read"),
        ("9" * 400, "could not read"),
        ("nan", "could not read"),
        ("inf%", "could not read"),
        ("-5%", "could not read"),
        ("1e3%", "could not read"),
        ("12345%", "could not read"),
        ("0.01%", "at least 0.1 km"),  # 41.6 m
        ("0.04", "at least 0.1 km"),
        ("4160.1", "at most 10 times the run (4160 km)"),
        ("1000.1%", "at most 10 times"),
    ],
)
def test_bad_pledges_say_how_to_write_them(text, says):
    with pytest.raises(UserError) as refused:
        resolve_pledge(parse_pledge(text), UNITY_M)
    assert says in refused.value.text
    assert "/pledge" in refused.value.text


def test_parse_share_reads_decimals_exactly():
    assert parse_share("12.5%", "u") == Decimal("12.5")
    assert parse_pledge(" 5 % ") == PledgeChoice(percent=Decimal(5))
    assert parse_pledge("20 km") == PledgeChoice(metres=20_000)


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("5", LogEntry(5_000, False, None)),
        ("5 km Evening walk", LogEntry(5_000, False, "Evening walk")),
        ("5 yesterday", LogEntry(5_000, True, None)),
        ("2.5 Yesterday  with the dog", LogEntry(2_500, True, "with the dog")),
        ("5 yesterdays walk", LogEntry(5_000, False, "yesterdays walk")),
        ("300", LogEntry(300_000, False, None)),
    ],
)
def test_parse_log(text, entry):
    assert parse_log(text) == entry


@pytest.mark.parametrize("text", ["0", "nan", "1000", "300.1", "-2", "", "five"])
def test_bad_logs_are_refused(text):
    with pytest.raises(UserError) as refused:
        parse_log(text)
    assert "/log 5" in refused.value.text


def test_days_left_count_today_and_stop_after_the_end():
    assert pledge_math.days_left(date(2021, 8, 10), START, END) == 8  # before the start: the whole run
    assert pledge_math.days_left(START, START, END) == 8
    assert pledge_math.days_left(END, START, END) == 1
    assert pledge_math.days_left(date(2021, 8, 23), START, END) == 0


def test_days_done():
    assert pledge_math.days_done(date(2021, 8, 14), START, END) == 0
    assert pledge_math.days_done(START, START, END) == 1
    assert pledge_math.days_done(date(2021, 8, 18), START, END) == 4
    assert pledge_math.days_done(date(2021, 9, 1), START, END) == 8


def test_km_a_day_is_rounded_up_to_what_is_shown():
    assert pledge_math.per_day(20_800, 8) == 2_600
    assert pledge_math.per_day(15_800, 8) == 2_000  # 1.975 km: doing the shown 2 km a day is enough
    assert pledge_math.per_day(10_001, 1) == 10_100
    assert pledge_math.per_day(0, 3) == 0
    assert pledge_math.per_day(5_000, 0) is None


def test_km_behind_an_even_pace_is_rounded_up_and_never_negative():
    assert pledge_math.behind_m(41_600, 0, 1, 8) == 5_200  # Ravi on day 1: 10% of 416 km, nothing logged
    assert pledge_math.behind_m(10_000, 0, 1, 8) == 1_300  # 1.25 km: shown as 1.3, never as 0
    assert pledge_math.behind_m(20_800, 2_599, 1, 8) == 100  # 1 m behind still shows 0.1 km
    assert pledge_math.behind_m(20_800, 2_600, 1, 8) == 0
    assert pledge_math.behind_m(20_800, 5_000, 1, 8) == 0


def test_the_pace_of_a_pledge_runs_from_the_day_it_was_made():
    start, end = date(2021, 8, 15), date(2021, 8, 24)  # 10 days
    day7 = date(2021, 8, 21)
    assert pledge_math.behind_pledge_pace_m(104_000, 0, day7, day7, start, end) == 26_000  # a quarter of 4 days
    assert pledge_math.behind_pledge_pace_m(104_000, 0, date(2021, 8, 1), day7, start, end) == 72_800  # before
    assert pledge_math.behind_pledge_pace_m(104_000, 0, day7, date(2021, 8, 20), start, end) == 0  # not yet made
    assert pledge_math.behind_pledge_pace_m(10_000, 0, date(2021, 8, 30), end, start, end) == 10_000  # end moved


def test_status_of_the_done_when_figures():
    s = pledge_math.status(20_800, 5_000, UNITY_M, START, START, END)
    assert (s.remaining_m, s.days_left, s.needed_per_day_m, s.reached) == (15_800, 8, 2_000, False)
    assert render.percent(s.done) == "24%"
    assert render.percent(s.share_of_run) == "5%"


def test_a_pledge_nearly_done_never_shows_100_percent():
    assert render.percent(pledge_math.status(20_800, 20_790, UNITY_M, START, START, END).done) == "99.9%"
    done = pledge_math.status(20_800, 20_800, UNITY_M, START, START, END)
    assert done.reached and render.percent(done.done) == "100%"


def test_congratulate_once_per_pledge_reached():
    assert pledge_math.should_congratulate(20_800, 20_800, None)
    assert not pledge_math.should_congratulate(20_800, 20_700, None)
    assert not pledge_math.should_congratulate(20_800, 25_000, 20_800)  # already congratulated
    assert not pledge_math.should_congratulate(10_000, 25_000, 20_800)  # lowered below what was celebrated
    assert pledge_math.should_congratulate(30_000, 30_000, 20_800)  # a raised pledge reached again
    assert not pledge_math.should_congratulate(None, 5_000, None)  # no pledge


@pytest.mark.parametrize(
    ("values", "ranks"),
    [
        ([], []),
        ([5], [1]),
        ([9, 7, 7, 3], [1, 2, 2, 4]),
        ([4, 4, 4], [1, 1, 1]),
        ([9, 8, 8, 8, 2, 2, 1], [1, 2, 2, 2, 5, 5, 7]),
    ],
)
def test_competition_ranks(values, ranks):
    assert pledge_math.competition_ranks(values) == ranks


def test_collective_distance_as_share_or_multiple():
    assert render.times_run(62_400 / UNITY_M) == "15% of the run's distance"
    assert render.times_run(5_000 / UNITY_M) == "1.2% of the run's distance"
    assert render.times_run(1.0) == "1× the run's distance"
    assert render.times_run(958_000 / UNITY_M) == "2.3× the run's distance"
