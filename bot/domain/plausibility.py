"""What one person can cover in one day: the ceilings on a runner's and a supporter's km of a day.

A message is capped already (bot.domain.parsing.MAX_UPDATE_M); these cap the sum of a day's messages, so that
several plausible messages cannot add up to an impossible day. Checked inside the action's transaction,
for new messages and for edits alike.
"""

from __future__ import annotations

from datetime import date

from bot.domain.errors import UserError

# The 24-hour running record is 319.6 km (Sorokin, 2022): no runner of a multi-day run covers more in a day.
RUNNER_DAY_M = 320_000
# A supporter logs their own walks and runs: 100 miles in a day is an ultra-runner's race, beyond it no one.
SUPPORTER_DAY_M = 161_000


def _km(metres: int) -> str:
    whole, rest = divmod(round(metres / 100), 10)
    return f"{whole}.{rest}" if rest else f"{whole}"


def check_runner_day(day_before_m: int, metres: int, day: date) -> None:
    if day_before_m + metres > RUNNER_DAY_M:
        raise UserError(_refusal(day_before_m, metres, day, RUNNER_DAY_M, "posted", "a runner can cover"))


def check_supporter_day(day_before_m: int, metres: int, day: date) -> None:
    if day_before_m + metres > SUPPORTER_DAY_M:
        raise UserError(_refusal(day_before_m, metres, day, SUPPORTER_DAY_M, "logged", "a person walks or runs"))


def _refusal(before_m: int, metres: int, day: date, limit_m: int, verb: str, who: str) -> str:
    total = f"{_km(before_m + metres)} km for {day:%d %b %Y}"
    already = (
        f"You have {verb} {_km(before_m)} km for that day; with {_km(metres)} km more that makes " if before_m else ""
    )
    return (
        f"{already or 'That makes '}{total}, more than {who} in a day ({_km(limit_m)} km). "
        f"Please check the figure: at most {_km(max(limit_m - before_m, 0))} km more for that day."
    )
