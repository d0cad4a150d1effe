"""The news the outbox keeps: each kind goes into JSON and comes back the same, and what cannot be read
is refused with a reason (the sender gives such a message up rather than send it wrong)."""

from __future__ import annotations

import pytest

from bot.domain.news import (
    CheckpointsPassed,
    MilestoneReached,
    News,
    Prewritten,
    RunnerPosted,
    UnknownNews,
    from_json,
    to_json,
)
from bot.replies.news import text_of

EXAMPLES: list[News] = [
    RunnerPosted(1, "The Unity Run", "Milind <Soman>", True, 24_000, 1, "Day one", 24_000, 416_000, 24_000),
    RunnerPosted(1, "The Unity Run", "Ankita", False, 10_000, 2, None, 70_000, 416_000, 15_000),
    MilestoneReached(1, "The Unity Run", 50, 4, 208_000, 416_000),
    MilestoneReached(1, "The Unity Run", 100, 8, 416_000, 416_000),
    CheckpointsPassed(1, "The Unity Run", (("Vasai", 48_200), ("Virar", 60_000)), 2),
    Prewritten("🎉 <b>A quarter of the way!</b>"),
]


@pytest.mark.parametrize("news", EXAMPLES)
def test_news_comes_back_from_the_outbox_as_it_went_in(news: News) -> None:
    assert from_json(news.kind, to_json(news)) == news


@pytest.mark.parametrize(
    ("news", "text"),
    [
        (EXAMPLES[1], "🏃 <b>Ankita</b> · The Unity Run: +10 km (day 2)\n15 km in all (companion, beside the route)"),
        (
            EXAMPLES[2],
            "🎉 <b>Halfway!</b>\nThe Unity Run has passed 50% of its route on day 4: 208 km of 416 km.\n"
            "/progress for the details",
        ),
        (
            EXAMPLES[3],
            "🏁 <b>The finish!</b>\nThe full 416 km of The Unity Run is covered, on day 8.\n/progress for the details",
        ),
        (
            EXAMPLES[4],
            "📍 The Unity Run has passed <b>Vasai</b> (km 48.2) and <b>Virar</b> (km 60) on day 2.\n"
            "/progress for the details · /checkpoints for the way ahead",
        ),
        (EXAMPLES[5], "🎉 <b>A quarter of the way!</b>"),
    ],
)
def test_each_kind_of_news_is_written_as_its_reader_gets_it(news: News, text: str) -> None:
    assert text_of(news) == text


def test_a_runners_name_and_note_are_escaped_when_written() -> None:
    assert text_of(EXAMPLES[0]).startswith("🏃 <b>Milind &lt;Soman&gt;</b> · The Unity Run: +24 km (day 1)\nDay one\n")


@pytest.mark.parametrize(
    ("count", "counted"), [(6, "1 checkpoint, then <b>CP2</b>"), (7, "2 checkpoints, then <b>CP3</b>")]
)
def test_more_checkpoints_than_can_be_named_are_counted(count: int, counted: str) -> None:
    passed = tuple((f"CP{i}", i * 1_000) for i in range(1, count + 1))
    text = text_of(CheckpointsPassed(1, "Run", passed, 3))
    assert text.startswith(f"📍 Run has passed {counted} (km ")


@pytest.mark.parametrize(
    ("kind", "facts", "says"),
    [
        ("postcard", "{}", "unknown kind of news 'postcard'"),
        ("follower", "not json", "unreadable follower news"),
        ("milestone", '{"run_id": 1}', "unreadable milestone news"),
        ("checkpoint", '{"run_id": 1, "run_title": "x", "passed": [["a"]], "day": 1}', "unreadable checkpoint news"),
    ],
)
def test_news_that_cannot_be_read_is_refused_with_a_reason(kind: str, facts: str, says: str) -> None:
    with pytest.raises(UnknownNews, match=says):
        from_json(kind, facts)


def test_under_coarse_a_followers_news_leaves_out_the_updates_own_km() -> None:
    news = RunnerPosted(1, "The Unity Run", "Milind", True, None, 2, "Going well", 100_000, 416_000, 100_000)
    assert from_json(news.kind, to_json(news)) == news
    assert (
        text_of(news)
        == "🏃 <b>Milind</b> · The Unity Run: posted an update (day 2)\nGoing well\nRoute so far: 100 of 416 km · 24%"
    )
