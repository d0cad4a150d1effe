"""What the public sees of the runner's position: live, late, coarse or nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.errors import UserError
from bot.domain.position_privacy import (
    LIVE,
    PositionMode,
    PositionPolicy,
    PublicView,
    parse_policy,
    public_position,
    public_track,
)

NOW = datetime(2021, 8, 18, 13, 12, tzinfo=UTC)


def at(minutes_ago: int) -> datetime:
    return NOW - timedelta(minutes=minutes_ago)


POSITIONS = [
    (19.45591, 72.81142, at(90)),
    (19.72004, 72.93007, at(40)),
    (20.20906, 72.92012, at(12)),
]


def test_live_shows_the_latest_position() -> None:
    assert public_position(POSITIONS, LIVE, NOW) == (20.20906, 72.92012, at(12))


def test_live_picks_the_latest_whatever_the_order() -> None:
    assert public_position(list(reversed(POSITIONS)), LIVE, NOW) == (20.20906, 72.92012, at(12))


def test_a_delay_shows_where_the_runner_was_that_long_ago() -> None:
    policy = PositionPolicy(PositionMode.DELAY, timedelta(minutes=30))
    assert public_position(POSITIONS, policy, NOW) == (19.72004, 72.93007, at(40))
    assert public_position(POSITIONS, policy, NOW - timedelta(minutes=15)) == (19.45591, 72.81142, at(90))
    assert public_position(POSITIONS[2:], policy, NOW) is None
    assert [fix[2] for fix in public_track(POSITIONS, policy, NOW)] == [at(90), at(40)]


def test_a_position_exactly_at_the_cutoff_shows() -> None:
    policy = PositionPolicy(PositionMode.DELAY, timedelta(minutes=40))
    assert public_position(POSITIONS, policy, NOW) == (19.72004, 72.93007, at(40))


def test_coarse_rounds_to_a_tenth_of_a_degree() -> None:
    policy = PositionPolicy(PositionMode.COARSE)
    assert public_position(POSITIONS, policy, NOW) == (20.2, 72.9, at(12))


def test_a_coarse_track_keeps_one_point_per_cell_and_moves_an_hour_at_a_time() -> None:
    near = [(20.201, 72.901, at(30)), (20.209, 72.92, at(20)), (20.31, 72.9, at(10))]
    coarse = PositionPolicy(PositionMode.COARSE)
    twelve, one = datetime(2021, 8, 18, 12, tzinfo=UTC), datetime(2021, 8, 18, 13, tzinfo=UTC)
    # 13:12: the 13:02 fix waits for the next hour; the times say the hour, not the minute a cell was left
    assert public_track(near, coarse, NOW) == [(20.2, 72.9, twelve)]
    assert public_track(near, coarse, NOW + timedelta(hours=1)) == [(20.2, 72.9, twelve), (20.3, 72.9, one)]
    assert public_position(near, coarse, NOW + timedelta(hours=1)) == (20.3, 72.9, one)


def test_hide_shows_nothing() -> None:
    policy = PositionPolicy(PositionMode.HIDE)
    assert public_position(POSITIONS, policy, NOW) is None
    assert public_track(POSITIONS, policy, NOW) == []


def test_no_positions_is_no_position() -> None:
    assert public_position([], LIVE, NOW) is None
    assert public_track([], LIVE, NOW) == []


def test_a_position_from_the_future_waits_for_its_time() -> None:
    ahead = [*POSITIONS, (21.0, 72.9, NOW + timedelta(minutes=5))]
    assert public_position(ahead, LIVE, NOW) == (20.20906, 72.92012, at(12))


@pytest.mark.parametrize(
    ("text", "policy"),
    [
        ("live", LIVE),
        ("LIVE", LIVE),
        ("coarse", PositionPolicy(PositionMode.COARSE)),
        ("hide", PositionPolicy(PositionMode.HIDE)),
        ("delay 30", PositionPolicy(PositionMode.DELAY, timedelta(minutes=30))),
        ("delay  45 min", PositionPolicy(PositionMode.DELAY, timedelta(minutes=45))),
        ("Delay 2h", PositionPolicy(PositionMode.DELAY, timedelta(hours=2))),
        ("delay 0", LIVE),
    ],
)
def test_the_organisers_words_become_a_policy(text: str, policy: PositionPolicy) -> None:
    assert parse_policy(text) == policy


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "What should the public see of the runner's position? Write one of: /position live"),
        ("delay", "How many minutes late?"),
        ("delay soon", "I could not read “delay soon” as a position setting."),
        ("delay 25h", "A delay of at most 24 hours, please."),
        ("secret", "I could not read “secret” as a position setting."),
    ],
)
def test_a_wrong_setting_says_how_to_write_it(text: str, says: str) -> None:
    with pytest.raises(UserError) as error:
        parse_policy(text)
    assert error.value.text.startswith(says)


def test_the_stored_text_reads_back_as_the_same_policy() -> None:
    for text in ("live", "delay 30", "delay 90", "coarse", "hide"):
        assert parse_policy(text).to_text() == text
    assert parse_policy("delay 2h").to_text() == "delay 120"


def test_the_organiser_is_told_what_the_public_sees() -> None:
    assert parse_policy("delay 30").describe() == "The public sees the runner's position 30 min late."
    assert parse_policy("delay 1h").describe() == "The public sees the runner's position 1 hour late."
    assert parse_policy("hide").describe() == "The runner's position is hidden from the public."


COARSE = PositionPolicy(PositionMode.COARSE)
FIVE_HOURS = PositionPolicy(PositionMode.DELAY, timedelta(hours=5))


def test_a_delayed_view_is_of_now_minus_the_delay_to_the_minute() -> None:
    view = PublicView.of(FIVE_HOURS, NOW + timedelta(seconds=42))
    assert view.until == NOW - timedelta(hours=5) and view.as_of == view.until
    assert view.counts(NOW - timedelta(hours=5)) and not view.counts(NOW - timedelta(hours=5) + timedelta(seconds=1))
    assert view.news_not_before(NOW) == NOW + timedelta(hours=5)
    assert view.cache_key == ("delay 300", NOW)  # one view for the whole minute
    assert view.along(107_700) == 107_700 and view.route_shown and view.update_km_shown


def test_a_coarse_view_rounds_every_km_down_to_10_km_and_days_are_differences_of_rounded_totals() -> None:
    view = PublicView.of(COARSE, NOW)
    assert view.until is None and view.news_not_before(NOW) is None and not view.update_km_shown
    assert [view.along(m) for m in (0, 9_999, 10_000, 107_700)] == [0, 0, 10_000, 100_000]
    assert view.day_figures([16_810, 18_120, 17_370, 55_400]) == [10_000, 20_000, 20_000, 50_000]
    assert sum(view.day_figures([16_810, 18_120, 17_370, 55_400])) == view.along(107_700)
    assert view.cache_key == ("coarse", datetime(2021, 8, 18, 13, tzinfo=UTC))  # it moves with the hour


def test_a_coarse_view_shows_the_full_distance_once_covered() -> None:
    view = PublicView.of(COARSE, NOW)
    assert view.along(415_999, 416_000) == 410_000
    assert view.along(418_300, 416_000) == 416_000 and view.along(425_000, 416_000) == 420_000
    assert view.day_figures([410_000, 8_300], 416_000) == [410_000, 6_000]


def test_live_and_hide_views_change_no_figure_and_hide_shows_no_route() -> None:
    live, hide = PublicView.of(LIVE, NOW), PublicView.of(PositionPolicy(PositionMode.HIDE), NOW)
    assert live.day_figures([16_810, 18_120]) == [16_810, 18_120] and live.cache_key == ("live", None)
    assert hide.along(107_700) == 107_700 and not hide.route_shown and hide.position(POSITIONS) is None
    assert live.route_shown and live.until is None


@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("live", "The public sees the runner's latest position."),
        ("delay 90", "The public sees the runner's position 90 min late."),
        ("delay 2h", "The public sees the runner's position 2 hours late."),
        ("coarse", "The public sees the runner's position rounded to about 10 km."),
        ("hide", "The runner's position is hidden from the public."),
    ],
)
def test_the_first_line_of_the_position_reply_names_the_policy(setting: str, line: str) -> None:
    assert parse_policy(setting).describe() == line


def test_a_setting_that_cannot_be_read_is_quoted_to_forty_characters() -> None:
    with pytest.raises(UserError) as refused:
        parse_policy("x" * 60)
    assert f"“{'x' * 40}”" in str(refused.value)


def test_the_latest_position_is_the_latest_in_time_whatever_the_order_or_the_latitude() -> None:
    north_first = [(21.0, 73.0, at(50)), (19.0, 72.0, at(5)), (20.0, 72.5, at(30))]
    assert public_position(north_first, LIVE, NOW) == (19.0, 72.0, at(5))
    assert public_track(north_first, LIVE, NOW) == [(21.0, 73.0, at(50)), (20.0, 72.5, at(30)), (19.0, 72.0, at(5))]


def test_a_position_exactly_as_old_as_the_delay_is_public() -> None:
    delay = parse_policy("delay 30")
    assert public_track([(19.0, 72.0, at(30))], delay, NOW) == [(19.0, 72.0, at(30))]


def test_only_a_delayed_view_moves_a_minute_at_a_time() -> None:
    now = NOW + timedelta(seconds=45)
    assert PublicView.of(LIVE, now).now == now and PublicView.of(LIVE, now).until is None
    assert PublicView.of(parse_policy("delay 30"), now).until == NOW - timedelta(minutes=30)


def test_under_coarse_the_full_distance_shows_once_covered_not_rounded_down() -> None:
    coarse = PublicView.of(parse_policy("coarse"), NOW)
    shown = [coarse.along(m, 416_000) for m in (409_999, 415_999, 416_000, 420_000)]
    assert shown == [400_000, 410_000, 416_000, 420_000]


def test_a_delay_of_a_whole_day_is_the_most_allowed() -> None:
    assert parse_policy("delay 24h").delay == timedelta(hours=24)
    assert parse_policy("delay 1440").delay == timedelta(hours=24)
    with pytest.raises(UserError, match="A delay of at most 24 hours"):
        parse_policy("delay 1441")
