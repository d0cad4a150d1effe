"""How figures are written: kilometres, shares and days, the one place each rounding is decided.

Kilometres and shares keep at most one decimal, rounded half up (Decimal, never float formatting), and
drop a trailing .0: 24000 m is '24', 20800 m is '20.8', 0.0577 is '5.8%'.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

_TENTH = Decimal("0.1")


def one_decimal(value: Decimal) -> str:
    """At most one decimal, rounded half up, no trailing .0: 2.25 -> '2.3', 24.0 -> '24'."""
    return f"{value.quantize(_TENTH, rounding=ROUND_HALF_UP):f}".removesuffix(".0")


def km(metres: int) -> str:
    """Kilometres: 24000 -> '24', 20800 -> '20.8'."""
    return one_decimal(Decimal(metres) / 1000)


def percent(part: float) -> str:
    """A share, like km: 0.0577 -> '5.8%', 0.24 -> '24%'."""
    return one_decimal(Decimal(str(part * 100))) + "%"


def day_text(day: date) -> str:
    """'15 Aug 2021'."""
    return f"{day.day} {day:%b %Y}"
