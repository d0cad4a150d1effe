"""Charts and cards as PNG bytes: the /chart picture, the daily summary's photo, a completion card.

matplotlib's object-oriented API on the Agg canvas (a Figure of its own per picture, never pyplot's
global state), imported on first use so the bot starts fast. Drawing takes tens of milliseconds of
CPU: the bot calls `await draw(progress_chart, data)`, which runs it in a worker thread. User text is
drawn with mathtext off, so a title like "$x$" or "\\frac" is shown as typed.
"""

from __future__ import annotations

import asyncio
import io
import math
import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, ParamSpec

from bot.domain.names import display_name
from bot.domain.units import km
from bot.services.results import ChartData

if TYPE_CHECKING:
    from matplotlib.figure import Figure

P = ParamSpec("P")

ACCENT = "#e8590c"
PLAN = "#8a94a6"
BARS = "#f59f00"
INK = "#16181d"
HINT = "#6b7280"
GRID = "#e3e6eb"
DPI = 100
MAX_TICKS = 12  # date labels under the bars: a long run gets one every few days
MAX_LABELLED_DAYS = 31  # a figure above each bar up to a month; more would overlap
# matplotlib shares its font and text caches between figures: one picture at a time is safe, and on a
# small server two CPU-bound drawings at once would only take turns anyway.
_drawing = threading.Lock()


async def draw(fn: Callable[P, bytes], *args: P.args, **kwargs: P.kwargs) -> bytes:
    """Run a drawing function in a worker thread: the event loop keeps serving while it draws."""
    return await asyncio.to_thread(fn, *args, **kwargs)


def _figure(width_px: int, height_px: int) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI, facecolor="white")


def _png(figure: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer)
    return buffer.getvalue()


def progress_chart(data: ChartData) -> bytes:
    """Cumulative km against the plan (top) and km per day (bottom), 1000 x 700 px."""
    days_total = (data.end - data.start).days + 1
    run_days = data.day_m[:days_total]
    days = list(range(1, len(run_days) + 1))  # the days run so far (a long run's days to come are not listed)
    cumulative: list[float] = []
    total = 0
    for metres in run_days:
        total += metres
        cumulative.append(total / 1000)
    day_n = min(max((data.today - data.start).days + 1, 0), days_total)

    with _drawing:
        figure = _figure(1000, 700)
        top, bottom = figure.subplots(2, 1, height_ratios=[3, 2], sharex=True)
        figure.subplots_adjust(left=0.08, right=0.97, top=0.86, bottom=0.09, hspace=0.12)
        figure.text(0.08, 0.94, display_name(data.title), fontsize=20, fontweight="bold", color=INK, parse_math=False)
        covered_m = sum(run_days)
        subtitle = (
            f"Day {day_n} of {days_total} · {km(covered_m)} km of {km(data.distance_m)} km · "
            f"{data.start.day} {data.start:%b} – {data.end.day} {data.end:%b %Y}"
        )
        figure.text(0.08, 0.895, subtitle, fontsize=13, color=HINT, parse_math=False)

        top.plot([0, days_total], [0, data.distance_m / 1000], color=PLAN, linestyle="--", linewidth=2, label="plan")
        if cumulative:
            xs = [0, *days[: len(cumulative)]]
            dots = "o" if days_total <= MAX_LABELLED_DAYS else None  # a dot a day, up to a month
            top.plot(xs, [0, *cumulative], color=ACCENT, linewidth=3, marker=dots, markersize=5, label="covered")
            near_the_end = xs[-1] > days_total * 0.7  # the label goes left of the point, inside the picture
            top.annotate(
                f"{km(covered_m)} km",
                (xs[-1], cumulative[-1]),
                xytext=(-10, 8) if near_the_end else (8, -4),
                ha="right" if near_the_end else "left",
                textcoords="offset points",
                color=ACCENT,
                fontsize=12,
                fontweight="bold",
            )
        top.set_ylim(0, data.distance_m / 1000 * 1.05)
        top.set_ylabel("km in all", color=HINT)
        top.legend(loc="upper left", frameon=False)

        bottom.bar(days[: len(run_days)], [m / 1000 for m in run_days], color=BARS, width=0.6)
        for n, metres in zip(days, run_days, strict=False):
            if metres and days_total <= MAX_LABELLED_DAYS:
                bottom.annotate(
                    km(metres),
                    (n, metres / 1000),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    fontsize=10,
                    color=INK,
                )
        per_day_plan = data.distance_m / days_total / 1000
        bottom.axhline(per_day_plan, color=PLAN, linestyle="--", linewidth=1.5)
        bottom.set_ylim(0, max([per_day_plan, *(m / 1000 for m in run_days)]) * 1.25)
        bottom.set_ylabel("km a day", color=HINT)
        ticks = list(range(1, days_total + 1, math.ceil(days_total / MAX_TICKS)))
        bottom.set_xticks(ticks, [_day_label(data.start, n) for n in ticks])
        bottom.set_xlim(0.4 if not cumulative else -0.2, days_total + 0.6)
        for axes in (top, bottom):
            axes.grid(axis="y", color=GRID)
            axes.set_axisbelow(True)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
            axes.tick_params(colors=HINT)
        return _png(figure)


def _day_label(start: date, n: int) -> str:
    try:
        day = start + timedelta(days=n - 1)
    except OverflowError:  # a run whose end date is the calendar's last
        return ""
    return f"{day.day} {day:%b}"


def completion_card(name: str, km_m: int, run_title: str) -> bytes:
    """A small card for a supporter who completed the pledge, 800 x 420 px."""
    with _drawing:
        figure = _figure(800, 420)
        figure.patch.set_facecolor("#fff4e6")
        from matplotlib.patches import FancyBboxPatch

        figure.patches.append(
            FancyBboxPatch(
                (0.04, 0.07),
                0.92,
                0.86,
                boxstyle="round,pad=0,rounding_size=0.04",
                transform=figure.transFigure,
                facecolor="white",
                edgecolor=ACCENT,
                linewidth=3,
                figure=figure,
            )
        )
        figure.text(0.5, 0.78, "Pledge complete", ha="center", fontsize=18, color=ACCENT, fontweight="bold")
        figure.text(
            0.5, 0.58, _clip(name, 32), ha="center", fontsize=30, color=INK, fontweight="bold", parse_math=False
        )
        figure.text(0.5, 0.40, f"{km(km_m)} km", ha="center", fontsize=40, color=ACCENT, fontweight="bold")
        figure.text(0.5, 0.22, f"for {_clip(run_title, 48)}", ha="center", fontsize=16, color=HINT, parse_math=False)
        return _png(figure)


def _clip(text: str, limit: int) -> str:
    """A name as the picture shows it: cleaned as every name shown is (bot.domain.names), then cut."""
    text = display_name(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
