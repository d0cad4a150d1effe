"""What /healthz answers: 200 while polling works, 503 once it has stalled (pure, no I/O)."""

from __future__ import annotations

from datetime import datetime

# getUpdates is held open by Telegram for up to 30 s (bot/edge/polling.py POLL_TIMEOUT) before it answers
# an empty batch, so a healthy bot has a fresh success at least every ~30 s.
STALLED_AFTER_SECONDS = 60.0


def health_status(last_poll_ok_at: datetime | None, now: datetime, backlog: int) -> tuple[int, dict[str, object]]:
    """(HTTP status, JSON body) from the time of the last successful getUpdates (None: none yet) and
    the number of outbox messages waiting to be sent."""
    if last_poll_ok_at is None:
        return 503, {"status": "starting", "seconds_since_poll": None, "outbox_backlog": backlog}
    seconds = max(0.0, (now - last_poll_ok_at).total_seconds())
    status = "stalled" if seconds > STALLED_AFTER_SECONDS else "ok"
    body: dict[str, object] = {"status": status, "seconds_since_poll": round(seconds, 1), "outbox_backlog": backlog}
    return (503 if status == "stalled" else 200), body
