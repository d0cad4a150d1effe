from datetime import UTC, date, datetime

import pytest

from bot.domain.stats import progress
from bot.replies import render
from bot.services.results import ProgressReport
from storage.positions import Position
from storage.runners import Runner, RunnerTotal
from storage.runs import Run

RUN = Run(
    1,
    "The <Unity> Run",
    "Mumbai",
    "Statue of Unity",
    416_000,
    date(2021, 8, 15),
    date(2021, 8, 22),
    "Asia/Kolkata",
    None,
)


@pytest.mark.parametrize(
    ("metres", "text"),
    [
        (24_000, "24"),
        (20_800, "20.8"),
        (392_000, "392"),
        (15_800, "15.8"),
        (62_400, "62.4"),
        (50, "0.1"),
        (49, "0"),
        (24_049, "24"),
        (24_050, "24.1"),
        (1_000_000, "1000"),
    ],
)
def test_km_has_at_most_one_decimal_and_no_trailing_zero(metres, text):
    assert render.km(metres) == text


def test_percent_and_bar():
    assert render.percent(24 / 416) == "5.8%"
    assert render.percent(5 / 20.8) == "24%"
    assert render.percent(0.5) == "50%"
    assert render.bar(0.058) == "█" + "░" * 19
    assert render.bar(1.2) == "█" * 20


def report(covered_m: int, today: date, ended_on: date | None = None, position=None) -> ProgressReport:
    lead = RunnerTotal(Runner(1, 1, 11, "Milind <Soman>", "lead"), covered_m)
    companion = RunnerTotal(Runner(2, 1, 12, "Ankita & co", "companion"), 28_000)
    p = progress(RUN.distance_m, RUN.start_date, RUN.end_date, covered_m, today, ended_on)
    return ProgressReport(RUN, p, [lead], [companion], position)


def test_progress_escapes_user_text_and_links_the_position():
    where = Position("Milind <Soman>", 19.2, 72.9, datetime(2021, 8, 15, 13, 0, tzinfo=UTC))
    text = render.progress(report(24_000, date(2021, 8, 15), position=where))
    assert "<b>The &lt;Unity&gt; Run</b>" in text
    assert "Ankita &amp; co 28 km" in text
    assert 'href="https://www.openstreetmap.org/?mlat=19.20000&amp;mlon=72.90000#map=14"' in text
    assert "(Milind &lt;Soman&gt;, 15 Aug 18:30)" in text  # shown in the run's zone


def test_progress_before_the_start_says_so():
    text = render.progress(report(0, date(2021, 8, 10)))
    assert "Not started yet: 0 km so far." in text
    assert "Starts on 15 Aug 2021" in text


def test_final_figures_after_the_end():
    text = render.progress(report(409_500, date(2021, 8, 25), ended_on=date(2021, 8, 24)))
    assert "Finished: <b>409.5 km</b> of the planned 416 km · 98.4%" in text
    assert "6.5 km short of the plan" in text
    assert "ran 10 days" in text
    assert "Needed" not in text


def test_split_keeps_messages_within_the_limit_and_loses_nothing():
    lines = [f"line {i} " + "x" * 90 for i in range(200)]
    parts = render.split("\n".join(lines))
    assert all(len(p) <= render.MAX_MESSAGE for p in parts)
    assert "\n".join(parts) == "\n".join(lines)


def test_split_cuts_a_very_long_line_outside_an_entity():
    text = "&amp;" * 2000
    parts = render.split(text)
    assert all(len(p) <= render.MAX_MESSAGE for p in parts)
    assert all(p.startswith("&amp;") and p.endswith("&amp;") for p in parts)
    assert "".join(parts) == text


def test_photo_caption_stays_within_1024_even_when_escaping_grows_it():
    caption = render.photo_caption("Milind", 24_000, "&" * 1000)
    assert len(caption) <= render.MAX_CAPTION
    assert caption.endswith("&amp;…")
