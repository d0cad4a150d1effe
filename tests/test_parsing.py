import pytest

from bot.domain.errors import UserError
from bot.domain.parsing import parse_date, parse_distance, parse_distance_and_note, parse_new_run, parse_role

USAGE = "/update 24.5"


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("24", 24_000),
        ("24.5", 24_500),
        ("24,5", 24_500),
        ("24km", 24_000),
        ("24 km", 24_000),
        ("24 KM", 24_000),
        ("500m", 500),
        ("0.1", 100),
        ("20.8", 20_800),
        ("300", 300_000),
        ("21k", 21_000),
    ],
)
def test_distances_people_write(text, metres):
    assert parse_distance(text, USAGE) == metres


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0", "more than 0"),
        ("0.0001", "shown as 0 km: the smallest distance I take is 0.05 km"),
        ("-5", "could not read"),
        ("abc", "could not read"),
        ("nan", "could not read"),
        ("inf", "could not read"),
        ("1e309", "could not read"),
        ("9" * 400, "could not read"),
        ("301", "more than 300 km"),
        ("", "give a distance"),
        ("24 km extra", "could not read"),
    ],
)
def test_bad_distances_say_what_is_wrong_and_show_the_form(text, reason):
    with pytest.raises(UserError) as caught:
        parse_distance(text, USAGE)
    assert reason in caught.value.text
    assert "Write it like: /update 24.5" in caught.value.text


def test_a_400_digit_number_is_clipped_in_the_reply():
    with pytest.raises(UserError) as caught:
        parse_distance("9" * 400, USAGE)
    assert len(caught.value.text) < 200


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24 Day one", (24_000, "Day one")),
        ("24 km Flyovers\nand heat", (24_000, "Flyovers\nand heat")),
        ("24.5", (24_500, None)),
        ("24 Mumbai heat", (24_000, "Mumbai heat")),
        ("500m  slow", (500, "slow")),
    ],
)
def test_distance_then_note(text, expected):
    assert parse_distance_and_note(text, USAGE) == expected


def test_new_run_with_and_without_zone():
    run = parse_new_run("The Unity Run | Mumbai | Statue of Unity | 416 | 2021-08-15 | 2021-08-22 | Asia/Kolkata")
    assert (run.title, run.start_place, run.end_place, run.distance_m) == (
        "The Unity Run",
        "Mumbai",
        "Statue of Unity",
        416_000,
    )
    assert (run.start_date.isoformat(), run.end_date.isoformat(), run.timezone) == (
        "2021-08-15",
        "2021-08-22",
        "Asia/Kolkata",
    )
    assert parse_new_run("A | B | C | 1000 | 2021-08-15 | 2021-08-22").timezone is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("The Unity Run", "needs title"),
        ("A | B | C | 416 | 2021-08-22 | 2021-08-15", "before the start date"),
        ("A | B | C | 416 | 15/08/2021 | 2021-08-22", "is not a date"),
        ("A | B | C | x | 2021-08-15 | 2021-08-22", "could not read"),
        ("A | B | C | 416 | 2021-08-15 | 2021-08-22 | Mars/Olympus", "not a known time zone"),
        ("A |  | C | 416 | 2021-08-15 | 2021-08-22", "needs title"),
    ],
)
def test_bad_new_run(text, reason):
    with pytest.raises(UserError) as caught:
        parse_new_run(text)
    assert reason in caught.value.text


def test_date_and_role():
    assert parse_date(" 2021-08-24 ", "/setend").isoformat() == "2021-08-24"
    assert parse_role("", "/invite") == "lead"
    assert parse_role("Companion", "/invite") == "companion"
    with pytest.raises(UserError):
        parse_role("captain", "/invite")
