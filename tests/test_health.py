"""/healthz: 200 while getUpdates keeps succeeding, 503 once polling has stalled for over a minute."""

from datetime import UTC, datetime, timedelta

from bot.ops.health import health_status

NOW = datetime(2021, 8, 15, 15, 30, tzinfo=UTC)


def test_a_recent_poll_is_healthy_and_shows_the_backlog():
    assert health_status(NOW - timedelta(seconds=31.24), NOW, backlog=12) == (
        200,
        {"status": "ok", "seconds_since_poll": 31.2, "outbox_backlog": 12},
    )


def test_a_minute_without_a_poll_is_still_healthy_a_second_more_is_not():
    assert health_status(NOW - timedelta(seconds=60), NOW, backlog=0)[0] == 200
    assert health_status(NOW - timedelta(seconds=61), NOW, backlog=0) == (
        503,
        {"status": "stalled", "seconds_since_poll": 61.0, "outbox_backlog": 0},
    )


def test_before_the_first_poll_the_bot_is_not_ready():
    assert health_status(None, NOW, backlog=3) == (
        503,
        {"status": "starting", "seconds_since_poll": None, "outbox_backlog": 3},
    )
