"""A run's slug: what a link and a page address carry (bot.domain.slugs)."""

import pytest

from bot.domain.slugs import MAX_SLUG, is_slug, numbered, slug_of


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("The Unity Run", "the-unity-run"),
        ("São Paulo 10K", "sao-paulo-10k"),
        ("Weekend Relay — Powai Striders!", "weekend-relay-powai-striders"),
        ("  Delhi   to  Mumbai  ", "delhi-to-mumbai"),
        ("abc", "abc"),
        ("Run 2021", "run-2021"),
    ],
)
def test_a_latin_title_makes_its_slug(title, slug):
    assert slug_of(title) == slug
    assert is_slug(slug)


@pytest.mark.parametrize("title", ["एकता दौड़", "🏃🏃🏃", "!!!", "ab", "", "a-"])
def test_a_title_with_too_little_latin_text_makes_none(title):
    assert slug_of(title) is None


def test_a_long_title_is_cut_at_a_word_within_the_limit():
    slug = slug_of("The Great Grand Trunk Road Run From Delhi To Kolkata")
    assert slug == "the-great-grand-trunk-road-run"
    assert len(slug) <= MAX_SLUG and is_slug(slug)
    one_word = slug_of("x" * 40)
    assert one_word == "x" * MAX_SLUG and is_slug(one_word)
    assert slug_of("The Great Grand Trunk", room=9) == "the-great"


def test_a_taken_slug_is_numbered_and_stays_within_the_limit():
    assert numbered("unity-run", 2) == "unity-run-2"
    long = "a" * 31 + "b"
    assert numbered(long, 12) == "a" * 29 + "-12"
    assert len(numbered(long, 12)) == MAX_SLUG
    assert numbered("abcdefghijklmnopqrstuvwxyz-abcde", 2) == "abcdefghijklmnopqrstuvwxyz-abc-2"


@pytest.mark.parametrize(
    "text",
    ["ab", "a" * 33, "-abc", "abc-", "ab--cd", "Abc", "ab_c", "ab c", "abc\n", "ab.c", "ünï", "../etc", ""],
)
def test_what_is_not_a_slug(text):
    assert not is_slug(text)


@pytest.mark.parametrize("text", ["abc", "a-b", "run-1", "a" * 32, "0-0"])
def test_what_is_a_slug(text):
    assert is_slug(text)


def test_a_numbered_slug_cut_at_a_dash_does_not_keep_it():
    assert numbered("a" * 29 + "-bc", 2) == "a" * 29 + "-2"
    assert is_slug(numbered("a" * 29 + "-bc", 2))
