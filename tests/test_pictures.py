"""The PNG pictures: a chart for /chart and the daily summary, a card for a completed pledge."""

from __future__ import annotations

import asyncio
import io
import threading
from datetime import date

from PIL import Image

from bot.replies.pictures import completion_card, draw, progress_chart
from bot.services.results import ChartData

PNG = b"\x89PNG\r\n\x1a\n"


def unity(day_m: list[int], title: str = "The Unity Run") -> ChartData:
    return ChartData(title, date(2021, 8, 15), date(2021, 8, 22), 416_000, day_m, date(2021, 8, 14 + len(day_m)))


def size(png: bytes) -> tuple[int, int]:
    return Image.open(io.BytesIO(png)).size


def test_the_chart_is_a_png_sized_for_telegram() -> None:
    png = progress_chart(unity([24_000, 46_500, 52_000, 31_000]))
    assert png.startswith(PNG)
    assert size(png) == (1000, 700)


def test_the_chart_shows_the_figures_it_is_given() -> None:
    day_3 = progress_chart(unity([24_000, 46_500, 52_000]))
    assert day_3 != progress_chart(unity([24_000, 46_500, 10_000]))
    assert day_3 == progress_chart(unity([24_000, 46_500, 52_000]))


def test_the_chart_draws_before_the_start_and_with_a_day_of_nothing() -> None:
    before = ChartData("The Unity Run", date(2021, 8, 15), date(2021, 8, 22), 416_000, [], date(2021, 8, 10))
    assert progress_chart(before).startswith(PNG)
    assert progress_chart(unity([24_000, 0, 0, 40_000])).startswith(PNG)


def test_user_text_is_drawn_as_typed_not_as_mathtext() -> None:
    # Unbalanced or unknown TeX would raise inside matplotlib's mathtext parser if it were parsed.
    for title in ("Run $x$ <b>bold</b>", r"Broken $\frac{$", "$$", r"50 $ \undefinedcommand $"):
        assert progress_chart(unity([24_000], title)).startswith(PNG)
        assert completion_card(title, 20_800, title).startswith(PNG)


def test_the_completion_card_names_the_supporter() -> None:
    card = completion_card("Asha", 20_800, "The Unity Run")
    assert card.startswith(PNG)
    assert size(card) == (800, 420)
    assert card != completion_card("Ravi", 20_800, "The Unity Run")
    assert card != completion_card("Asha", 41_600, "The Unity Run")


def test_a_very_long_name_still_fits_a_card() -> None:
    assert size(completion_card("A" * 500, 20_800, "Run " * 100)) == (800, 420)


async def test_draw_runs_in_a_worker_thread_and_the_loop_keeps_going() -> None:
    threads: list[str] = []

    def record_thread(data: ChartData) -> bytes:
        threads.append(threading.current_thread().name)
        return progress_chart(data)

    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    ticker = asyncio.create_task(tick())
    png = await draw(record_thread, unity([24_000]))
    ticker.cancel()
    assert png.startswith(PNG)
    assert threads != [threading.main_thread().name]
    assert ticks > 1
