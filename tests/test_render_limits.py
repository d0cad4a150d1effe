"""Replies near Telegram's limits: long replies split at line ends or word breaks, a summary cut to one
message, long notes clipped; as a user sees them through the real Application, and the pure cases exactly."""

from datetime import datetime
from zoneinfo import ZoneInfo

from telegram.constants import MessageLimit

from bot.demo.simulator import group_chat
from bot.edge.jobs import SUMMARIES
from bot.replies import render
from tests.conftest import ASHA, MILIND

LIMIT = MessageLimit.MAX_TEXT_LENGTH
IST = ZoneInfo("Asia/Kolkata")
FANS = group_chat(-1001234567890, "Unity Run fans")


def note(i: int, length: int) -> str:
    """A note of `length` characters with word breaks, its number first so each one can be found."""
    words = f"N{i:02d} " + "flyover heat and rain on the highway " * (length // 37 + 1)
    return words[:length].rstrip() + "."


# --- render.split: the pure cases, exactly ---


def test_the_message_limit_is_telegrams():
    assert render.MAX_MESSAGE == LIMIT


def test_a_long_line_is_cut_at_the_last_word_break_before_the_limit():
    assert render.split("aaa bbb ccc", limit=8) == ["aaa bbb", "ccc"]
    assert render.split("aaa bbb ccc ddd", limit=8) == ["aaa bbb", "ccc ddd"]


def test_a_line_of_exactly_the_limit_is_not_cut_and_a_one_letter_word_is_a_word():
    assert render.split("aaa bbb", limit=7) == ["aaa bbb"]
    assert render.split("a bcdefgh", limit=5) == ["a", "bcdef", "gh"]


def test_a_word_longer_than_the_limit_is_cut_at_the_limit():
    assert render.split("abcdefghij", limit=4) == ["abcd", "efgh", "ij"]


def test_a_space_at_the_very_start_is_not_a_word_break():
    assert render.split(" abcdefghij", limit=5) == [" abcd", "efghi", "j"]


def test_a_cut_never_falls_inside_an_entity():
    assert render.split("ab&amp;cd", limit=5) == ["ab", "&amp;", "cd"]
    assert render.split("a&amp;b&lt;c", limit=8) == ["a&amp;b", "&lt;c"]


def test_only_an_entity_open_at_the_cut_moves_it():
    assert render.split("ab cd&amp;", limit=5) == ["ab", "cd", "&amp;"]  # an entity after the cut is no reason
    assert render.split("&lt;&gt;xyz", limit=8) == ["&lt;&gt;", "xyz"]  # the last entity before the cut is whole


def test_only_the_spaces_at_a_word_break_are_dropped():
    assert render.split("ab \tcd", limit=3) == ["ab", "\tcd"]
    assert render.split("ab Xcd", limit=3) == ["ab", "Xcd"]


def test_lines_are_kept_together_up_to_exactly_the_limit():
    assert render.split("aaaa\nbbbb", limit=9) == ["aaaa\nbbbb"]
    assert render.split("aaaa\nbbbb", limit=8) == ["aaaa", "bbbb"]
    assert render.split("aaaa\nbbbb\ncc", limit=9) == ["aaaa\nbbbb", "cc"]


def test_text_before_a_long_line_goes_out_first_and_nothing_is_lost():
    assert render.split("head\nabcdefghij\ntail", limit=6) == ["head", "abcdef", "ghij", "tail"]
    assert render.split("head\nabc def ghi", limit=8) == ["head", "abc def", "ghi"]


def test_short_and_empty_texts_are_one_message():
    assert render.split("") == [""]
    assert render.split("a\n\nb") == ["a\n\nb"]
    assert render.split("x" * LIMIT) == ["x" * LIMIT]


def test_a_long_paragraph_is_split_between_words_at_telegrams_limit():
    words = [f"word{i}" for i in range(1200)]  # about 9,000 characters on one line
    parts = render.split(" ".join(words))
    assert len(parts) == 3
    assert all(len(p) <= LIMIT for p in parts)
    assert [w for p in parts for w in p.split(" ")] == words  # no word cut in two
    assert len(parts[0]) > LIMIT - len("word1199 ")  # each cut as late as the limit allows


# --- clip and _fit ---


def test_clip_keeps_a_note_of_the_limit_and_cuts_a_longer_one():
    assert render.clip("x" * 500) == "x" * 500
    assert render.clip("x" * 501) == "x" * 499 + "…"
    assert render.clip("abcdef", 4) == "abc…"
    assert render.clip("abcd", 4) == "abcd"


def test_a_text_of_exactly_the_limit_is_not_cut():
    text = "a" * (LIMIT - 20) + "\n" + "b" * 19
    assert render._fit(text) == text


def test_a_text_over_the_limit_loses_its_tail_at_the_last_line_end_that_fits():
    text = "a" * (LIMIT - 3) + "\n" + "b" + "\n" + "c" * 10
    fitted = render._fit(text)
    assert fitted == "a" * (LIMIT - 3) + "\n…"
    assert len(fitted) <= LIMIT


# --- through the real Application ---


async def test_today_with_many_long_notes_comes_in_several_messages_split_between_lines(unity):
    unity.clock.now = datetime(2021, 8, 15, 17, 30, tzinfo=IST)
    notes = [note(i, 480) for i in range(12)]
    for text in notes:
        await unity.say(MILIND, f"/update 1 {text}")

    calls = await unity.send(unity.updates.text(ASHA, "/today"))
    parts = [c.text for c in calls if c.method == "sendMessage"]

    assert len(parts) == 2
    assert all(len(p) <= LIMIT for p in parts)
    assert parts[0].startswith("<b>The Unity Run</b>: Mumbai → Statue of Unity\n15 Aug 2021 · day 1")
    assert "🏃 <b>Milind Soman</b>: 12 km" in parts[0]
    whole = "\n".join(parts)
    for text in notes:  # every note whole, on its own line, in one message
        assert sum(f"    {text}" in p.split("\n") for p in parts) == 1
        assert whole.count(text) == 1


async def test_a_note_longer_than_the_clip_limit_is_clipped_in_today(unity):
    unity.clock.now = datetime(2021, 8, 15, 17, 30, tzinfo=IST)
    long_note = note(1, 700)
    await unity.say(MILIND, f"/update 24 {long_note}")

    reply = await unity.say(ASHA, "/today")

    assert f"    {long_note[:499]}…" in reply.split("\n")
    assert long_note[:500] not in reply


async def test_a_note_longer_than_the_clip_limit_is_clipped_for_followers(unity):
    await unity.say(ASHA, "/follow")
    unity.clock.now = datetime(2021, 8, 15, 17, 30, tzinfo=IST)
    long_note = note(2, 300)
    await unity.say(MILIND, f"/update 24 {long_note}")

    [message] = [c for c in await unity.deliver() if c.chat_id == ASHA.id]

    assert message.text.split("\n")[1] == long_note[:199] + "…"


async def test_a_daily_summary_longer_than_telegrams_limit_is_one_message_that_loses_its_tail(unity):
    unity.api.admins[FANS["id"]] = [ASHA]
    assert (await unity.say(ASHA, "/subscribe", FANS)).startswith("✅")
    unity.clock.now = datetime(2021, 8, 15, 17, 30, tzinfo=IST)
    notes = [note(i, 400) for i in range(16)]
    for text in notes:
        await unity.say(MILIND, f"/update 1 {text}")

    unity.clock.now = datetime(2021, 8, 15, 21, 0, tzinfo=IST)
    [summary] = [c for c in await unity.run_jobs(SUMMARIES) if c.method == "sendMessage"]

    assert summary.chat_id == FANS["id"]
    assert len(summary.text) <= LIMIT
    assert summary.text.startswith("📰 Daily summary · <b>The Unity Run</b>")
    assert summary.text.endswith("\n…")
    assert f"    {notes[0][:299]}…" in summary.text.split("\n")  # notes clipped to 300 in a summary
    assert notes[-1][:40] not in summary.text  # the tail is what goes
    assert "/progress for the latest figures" not in summary.text


def test_a_summary_whose_only_line_end_is_its_first_character_is_cut_at_the_limit_not_emptied():
    fitted = render._fit("\n" + "a" * LIMIT)
    assert fitted == "\n" + "a" * (LIMIT - 3) + "\n…"
    assert len(fitted) == LIMIT


# --- photo captions: Telegram's 1,024 characters ---

CAPTION = MessageLimit.CAPTION_LENGTH


def test_the_caption_limit_is_telegrams():
    assert render.MAX_CAPTION == CAPTION


def test_a_caption_without_a_note_is_the_name_and_km():
    assert render.photo_caption("Milind", 24_000, None) == "Milind: 24 km"
    assert render.photo_caption("Milind", 24_000, "") == "Milind: 24 km"


def test_a_note_that_just_fits_the_caption_is_whole_and_a_longer_one_is_clipped():
    room = CAPTION - len("Milind: 24 km") - 2  # the line break, and room for the … of a clipped note
    assert render.photo_caption("Milind", 24_000, "a" * room) == "Milind: 24 km\n" + "a" * room
    clipped = render.photo_caption("Milind", 24_000, "a" * (room + 1))
    assert clipped == "Milind: 24 km\n" + "a" * (room - 1) + "…"
    assert len(clipped) <= CAPTION


def test_a_clipped_note_keeps_an_entity_that_ends_at_the_cut_and_drops_one_cut_in_two():
    room = CAPTION - len("Milind: 24 km") - 2
    # "x;" first, so only the last ';' tells whether the cut fell inside an entity
    whole = "x;" + "a" * (room - 8) + "&" + "b" * 50  # escaped, its "&amp;" ends just at the cut
    assert render.photo_caption("Milind", 24_000, whole) == "Milind: 24 km\nx;" + "a" * (room - 8) + "&amp;…"
    cut = "x;" + "a" * (room - 7) + "&" + "b" * 50  # the cut falls inside "&amp;"
    assert render.photo_caption("Milind", 24_000, cut) == "Milind: 24 km\nx;" + "a" * (room - 7) + "…"


def test_a_name_that_leaves_no_room_leaves_the_note_out():
    def name_for_room(room: int) -> str:
        return "n" * (CAPTION - len(": 24 km") - 2 - room)

    assert render.photo_caption(name_for_room(11), 24_000, "hello").endswith("\nhello")
    assert render.photo_caption(name_for_room(10), 24_000, "hello") == name_for_room(10) + ": 24 km"
