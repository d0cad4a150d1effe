"""The edges of what users may type: one-day runs, 100-character names, a metre, half-metre rounding,
shares, pledges, logs, times of day and subscriptions; and the exact words of each refusal."""

from datetime import date
from decimal import Decimal

import pytest

from bot.domain.errors import UserError
from bot.domain.parsing import (
    LOG_USAGE,
    NEWRUN_USAGE,
    PLEDGE_USAGE,
    LogEntry,
    PledgeChoice,
    parse_distance,
    parse_distance_and_note,
    parse_log,
    parse_new_run,
    parse_pledge,
    parse_role,
    parse_share,
    parse_subscription,
    parse_time_of_day,
    parse_timezone,
    resolve_pledge,
    time_of_day,
)

USAGE = "/update 24.5"
DATES = "2021-08-15 | 2021-08-22"


def refusal(call, *args) -> str:
    with pytest.raises(UserError) as caught:
        call(*args)
    return caught.value.text


# --- distances ---


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("24.0005 km", 24_001),
        ("24.000499", 24_000),
        ("1k", 1_000),
        ("300.000", 300_000),
    ],
)
def test_a_metre_and_half_metre_rounding(text, metres):
    assert parse_distance(text, USAGE) == metres


@pytest.mark.parametrize("text", ["0m", "0"])
def test_nothing_is_no_distance(text):
    assert refusal(parse_distance, text, USAGE) == "The distance must be more than 0. Write it like: /update 24.5"


@pytest.mark.parametrize(
    ("text", "shown"), [("1m", "1 m"), ("0.4m", "0.4 m"), ("49 m", "49 m"), ("0.0004", "0.0004 km")]
)
def test_a_figure_that_would_be_shown_as_0_km_is_refused_with_the_smallest_taken(text, shown):
    assert refusal(parse_distance, text, USAGE) == (
        f"{shown} would be shown as 0 km: the smallest distance I take is 0.05 km (50 m). Write it like: /update 24.5"
    )


@pytest.mark.parametrize(("text", "metres"), [("50m", 50), ("50.5 m", 51), ("0.05", 50), ("0.0505", 51)])
def test_the_smallest_figure_taken_and_half_metre_rounding(text, metres):
    assert parse_distance(text, USAGE) == metres


def test_one_metre_over_the_limit_is_refused_with_the_limit_in_km():
    assert parse_distance("300000m", USAGE) == 300_000
    assert refusal(parse_distance, "300001m", USAGE) == (
        "300001 m (300 km) is more than 300 km: please check the figure. Write it like: /update 24.5"
    )
    assert parse_distance("5001", USAGE, max_m=5_001_000) == 5_001_000


def test_the_refusals_say_what_was_read():
    assert refusal(parse_distance, "  ", USAGE) == "Please give a distance. Write it like: /update 24.5"
    assert refusal(parse_distance, "twenty", USAGE) == (
        "I could not read “twenty” as a distance. Write it like: /update 24.5"
    )
    assert refusal(parse_distance, "24 km and more", USAGE) == (
        "I could not read “24 km and more” as a distance. Write it like: /update 24.5"
    )


def test_a_long_text_in_a_refusal_is_clipped_to_40_characters_with_spaces_squeezed():
    text = "abc   def " + "x" * 60
    said = refusal(parse_distance, text, USAGE)
    assert said == f"I could not read “abc def {'x' * 31}…” as a distance. Write it like: /update 24.5"
    forty = "y" * 40
    assert refusal(parse_distance, forty, USAGE) == f"I could not read “{forty}” as a distance. Write it like: {USAGE}"


def test_a_note_is_trimmed_and_an_empty_note_is_none():
    assert parse_distance_and_note("  24   Day one  ", USAGE) == (24_000, "Day one")
    assert parse_distance_and_note("24  ", USAGE) == (24_000, None)


# --- new runs ---


def test_a_one_day_run_is_a_run():
    run = parse_new_run("Sprint | A | B | 42 | 2021-08-15 | 2021-08-15")
    assert (run.start_date, run.end_date, run.distance_m) == (date(2021, 8, 15), date(2021, 8, 15), 42_000)


def test_an_end_before_the_start_is_refused_with_both_dates():
    assert refusal(parse_new_run, "A | B | C | 1 | 2021-08-15 | 2021-08-14") == (
        f"The end date 2021-08-14 is before the start date 2021-08-15. Write it like: {NEWRUN_USAGE}"
    )


@pytest.mark.parametrize("field", [0, 1, 2])
def test_titles_and_places_up_to_100_characters(field):
    parts = ["Title", "Start", "Finish"]
    parts[field] = "n" * 100
    run = parse_new_run(" | ".join([*parts, "416", DATES]))
    assert (run.title, run.start_place, run.end_place)[field] == "n" * 100

    parts[field] = "n" * 101
    assert refusal(parse_new_run, " | ".join([*parts, "416", DATES])) == (
        f"“{'n' * 39}…” is longer than 100 characters. Write it like: {NEWRUN_USAGE}"
    )


def test_a_run_may_be_longer_than_one_update_up_to_100000_km():
    assert parse_new_run(f"A | B | C | 100000 | {DATES}").distance_m == 100_000_000
    assert "is more than 100000 km" in refusal(parse_new_run, f"A | B | C | 100000.001 | {DATES}")


@pytest.mark.parametrize(
    "text",
    [
        f"A | B | C | 416 | {DATES} | Asia/Kolkata | extra",
        "A | B | C | 416 | 2021-08-15",
        f"A | B |  | 416 | {DATES}",
    ],
)
def test_a_new_run_needs_six_or_seven_filled_parts(text):
    assert refusal(parse_new_run, text) == (
        "A new run needs title, start, finish, km, start date and end date (time zone optional), "
        f"separated by |. Write it like: {NEWRUN_USAGE}"
    )


def test_a_bad_date_and_a_bad_zone_say_so():
    assert refusal(parse_new_run, "A | B | C | 4 | 15.8.2021 | 2021-08-22") == (
        f"“15.8.2021” is not a date (YYYY-MM-DD). Write it like: {NEWRUN_USAGE}"
    )
    assert refusal(parse_new_run, f"A | B | C | 4 | {DATES} | Mumbai") == (
        f"“Mumbai” is not a known time zone (e.g. Asia/Kolkata). Write it like: {NEWRUN_USAGE}"
    )


# --- shares and pledges ---


def test_shares_people_write():
    assert parse_share("12.5%", PLEDGE_USAGE) == Decimal("12.5")
    assert parse_share(" 5 % ", PLEDGE_USAGE) == Decimal(5)
    assert parse_share("0,5%", PLEDGE_USAGE) == Decimal("0.5")
    assert parse_share("0.01%", PLEDGE_USAGE) == Decimal("0.01")


def test_bad_shares_are_refused_with_the_reason():
    assert refusal(parse_share, "0%", PLEDGE_USAGE) == f"The share must be more than 0%. Write it like: {PLEDGE_USAGE}"
    assert (
        refusal(parse_share, "-5%", PLEDGE_USAGE) == f"I could not read “-5%” as a share. Write it like: {PLEDGE_USAGE}"
    )
    assert "could not read" in refusal(parse_share, "12345%", PLEDGE_USAGE)


def test_a_pledge_is_five_percent_a_share_or_a_distance():
    assert parse_pledge("") == PledgeChoice(percent=Decimal(5))
    assert parse_pledge("  ") == PledgeChoice(percent=Decimal(5))
    assert parse_pledge("10%") == PledgeChoice(percent=Decimal(10))
    assert parse_pledge("20 km") == PledgeChoice(metres=20_000)
    assert parse_pledge("4000") == PledgeChoice(metres=4_000_000)  # more than one update may be
    assert "could not read" in refusal(parse_pledge, "lots")


def test_a_pledge_from_a_tenth_of_a_km_up_to_ten_times_the_run():
    assert resolve_pledge(PledgeChoice(percent=Decimal(5)), 416_000) == 20_800
    assert resolve_pledge(PledgeChoice(metres=100), 416_000) == 100
    assert resolve_pledge(PledgeChoice(metres=50), 416_000) == 100  # shown as 0.1 km
    assert resolve_pledge(PledgeChoice(metres=4_160_000), 416_000) == 4_160_000
    assert refusal(resolve_pledge, PledgeChoice(metres=49), 416_000) == (
        f"A pledge is at least 0.1 km. Write it like: {PLEDGE_USAGE}"
    )
    assert refusal(resolve_pledge, PledgeChoice(metres=4_160_050), 416_000) == (
        f"A pledge is at most 10 times the run (4160 km). Write it like: {PLEDGE_USAGE}"
    )
    assert "at least 0.1 km" in refusal(resolve_pledge, PledgeChoice(percent=Decimal("0.01")), 416_000)


# --- logs ---


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("5", LogEntry(5_000, False, None)),
        ("5 Evening walk", LogEntry(5_000, False, "Evening walk")),
        ("5 yesterday", LogEntry(5_000, True, None)),
        ("5 Yesterday  Evening walk", LogEntry(5_000, True, "Evening walk")),
        ("5 yesterdays walk", LogEntry(5_000, False, "yesterdays walk")),
        ("5 walk yesterday", LogEntry(5_000, False, "walk yesterday")),
        ("5 yesterday yesterday", LogEntry(5_000, True, "yesterday")),
    ],
)
def test_a_log_for_today_or_yesterday(text, entry):
    assert parse_log(text) == entry


def test_a_log_refusal_shows_the_log_usage():
    assert refusal(parse_log, "") == f"Please give a distance. Write it like: {LOG_USAGE}"


# --- times of day, zones, subscriptions, roles ---


@pytest.mark.parametrize(
    ("text", "value"),
    [("21:00", "21:00"), ("9:05", "09:05"), ("21.00", "21:00"), (" 00:00 ", "00:00"), ("23:59", "23:59")],
)
def test_times_of_day(text, value):
    assert time_of_day(text) == value


@pytest.mark.parametrize("text", ["24:00", "12:60", "9", "9:5", "noon", "123:00"])
def test_not_times_of_day(text):
    assert time_of_day(text) is None
    assert refusal(parse_time_of_day, text, "/subscribe") == (
        f"“{text}” is not a time of day (HH:MM, 00:00 to 23:59). Write it like: /subscribe"
    )


def test_a_subscription_takes_a_time_and_a_zone_in_either_order():
    assert parse_subscription("", "/subscribe") == (None, None)
    assert parse_subscription("21:00", "/subscribe") == ("21:00", None)
    assert parse_subscription("Europe/London", "/subscribe") == (None, "Europe/London")
    assert parse_subscription("Europe/London 7:30", "/subscribe") == ("07:30", "Europe/London")
    assert parse_subscription("7:30 Europe/London", "/subscribe") == ("07:30", "Europe/London")


def test_a_subscription_refuses_two_times_two_zones_or_three_words():
    assert refusal(parse_subscription, "7:30 8:30", "/subscribe") == (
        "Give one time and at most one time zone. Write it like: /subscribe"
    )
    assert refusal(parse_subscription, "UTC Asia/Kolkata", "/subscribe") == (
        "Give one time and at most one time zone. Write it like: /subscribe"
    )
    assert refusal(parse_subscription, "7:30 UTC now", "/subscribe") == (
        "Give a time and, if you like, a time zone. Write it like: /subscribe"
    )


def test_zones_and_roles():
    assert parse_timezone(" UTC ", "/subscribe") == "UTC"
    assert "not a known time zone" in refusal(parse_timezone, "../etc/passwd", "/subscribe")
    assert parse_role(" LEAD ", "/invite") == "lead"
    assert refusal(parse_role, "captain", "/invite") == (
        "The role is lead, companion or organiser, not “captain”. Write it like: /invite"
    )


def test_a_pledge_in_km_may_be_ten_times_the_longest_run():
    assert parse_pledge("1000000") == PledgeChoice(metres=1_000_000_000)
    assert "is more than 1000000 km" in refusal(parse_pledge, "1000001")


def test_every_refusal_shows_the_usage_of_its_own_command():
    assert refusal(parse_subscription, "Mars/Base", "/subscribe") == (
        "“Mars/Base” is not a known time zone (e.g. Asia/Kolkata). Write it like: /subscribe"
    )
    assert refusal(parse_new_run, "A | B | C | far | 2021-08-15 | 2021-08-22") == (
        f"I could not read “far” as a distance. Write it like: {NEWRUN_USAGE}"
    )
    assert refusal(parse_new_run, "A | B | C | 4 | 2021-08-15 | 22.8.2021") == (
        f"“22.8.2021” is not a date (YYYY-MM-DD). Write it like: {NEWRUN_USAGE}"
    )
