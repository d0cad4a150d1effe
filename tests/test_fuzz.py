"""Property-based: the parsers and the handlers, through the real Application, with arbitrary text, numbers
and Unicode after each command. No handler raises; nothing is stored that the reply did not confirm; every
reply is Telegram HTML (tests/telegram_html.py) within Telegram's limits."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bot.demo.simulator import Call, Clock, Person, Simulator, group_chat
from bot.domain import parsing
from bot.domain.errors import UserError
from bot.replies import render
from storage import pledges, runners, runs
from tests.conftest import ANKITA, ASHA, MILIND, ORGANISER, RAVI, UNITY_RUN, invite
from tests.telegram_html import CAPTION_LIMIT, TelegramHTMLError, check_message, plain_text

FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FANS = group_chat(-100600, "Fuzz fans")
DAY3_EVENING = datetime(2021, 8, 17, 12, 0, tzinfo=UTC)  # 17:30 in Mumbai on day 3

UNITS = ["", "km", "KM", " km", "k", "m", " m", "metres", " Meters", "kilometres", "mi", " MI", "miles", " Mile",
         "ft", " yards", "km/h", "%", " steps"]  # fmt: skip
numbers = st.one_of(
    st.integers(min_value=0, max_value=400).map(str),
    st.decimals(min_value=0, max_value=400, places=2, allow_nan=False, allow_infinity=False).map(str),
    st.integers(min_value=-5, max_value=10**12).map(str),
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["0", "0.0", "0,04", "1,500", "24,5", "1e309", "nan", "-inf", "٣", "२४", "1_000", "0x10", "¼"]),
)
notes = st.text(max_size=600)
figures = st.builds(lambda number, unit, note: f"{number}{unit} {note}".strip(), numbers, st.sampled_from(UNITS), notes)
arguments = st.one_of(figures, st.text(max_size=4000), notes)


def checked(calls: list[Call]) -> list[str]:
    """The replies' texts, each checked as Telegram would: valid HTML, within the length limit."""
    texts = []
    for call in calls:
        if call.method == "sendMessage":
            check_message(call.text)
            texts.append(call.text)
        elif call.method == "sendPhoto":
            check_message(call.text, CAPTION_LIMIT)
            texts.append(call.text)
        assert "something went wrong" not in (call.text or ""), call
    return texts


class Bot:
    """One simulator for a whole property (hypothesis runs its examples in the same event loop)."""

    def __init__(self, folder: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.sim = Simulator(folder / "bot.db", admin_ids=frozenset({ORGANISER.id}), clock=Clock(DAY3_EVENING))
        self.run(self._set_up())

    async def _set_up(self) -> None:
        await self.sim.__aenter__()
        self.sim.clock.now = datetime(2021, 8, 14, 12, tzinfo=UTC)
        await self.sim.say(ORGANISER, UNITY_RUN)
        await self.sim.say(MILIND, f"/start {await invite(self.sim, 'lead')}")
        await self.sim.say(ANKITA, f"/start {await invite(self.sim, 'companion')}")
        self.sim.clock.now = DAY3_EVENING

    def run(self, work):
        return self.loop.run_until_complete(work)

    def close(self) -> None:
        self.run(self.sim.__aexit__(None, None, None))
        self.loop.close()

    async def stored(self) -> tuple:
        run = await self.sim.query(runs.latest)
        totals = await self.sim.query(runners.totals, run.id)
        return (
            run,
            {t.runner.name: t.metres for t in totals},
            await self.sim.query(pledges.totals, run.id),
        )


@pytest.fixture(scope="module")
def bot(tmp_path_factory) -> Iterator[Bot]:
    bot = Bot(tmp_path_factory.mktemp("fuzz"))
    yield bot
    bot.close()


@pytest.fixture
def errors(caplog) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.ERROR)
    yield caplog
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


# --- the parsers ------------------------------------------------------------------------------------


@FUZZ
@given(text=arguments)
def test_distance_parser_returns_a_plausible_figure_or_a_user_error(text):
    try:
        metres, note = parsing.parse_distance_and_note(text, "/update 24")
    except UserError as refused:
        assert refused.text and len(refused.text) < 400
        return
    assert parsing.SMALLEST_M <= metres <= parsing.MAX_UPDATE_M
    assert render.km(metres) != "0"
    if note:
        first = note.split()[0].lower()
        assert first not in parsing.UNITS and first not in parsing.OTHER_UNITS  # a unit word is never the note


@FUZZ
@given(number=st.decimals(min_value=Decimal("0.05"), max_value=180, places=2), unit=st.sampled_from(["mi", "MILES"]))
def test_miles_are_converted(number, unit):
    metres, _ = parsing.parse_distance_and_note(f"{number} {unit}", "/update 24")
    assert abs(metres - float(number) * 1609.344) <= 0.5


@FUZZ
@given(text=arguments)
def test_the_other_parsers_return_values_or_a_user_error(text):
    for parse in (
        lambda: parsing.parse_log(text),
        lambda: parsing.resolve_pledge(parsing.parse_pledge(text), 416_000),
        lambda: parsing.parse_new_run(text),
        lambda: parsing.parse_subscription(text, "/subscribe 21:00"),
        lambda: parsing.parse_date(text, "/setend 2021-08-24"),
        lambda: parsing.parse_role(text, "/invite lead"),
    ):
        try:
            parse()
        except UserError as refused:
            assert refused.text


# --- the handlers -----------------------------------------------------------------------------------

COMMANDS = ["update", "log", "pledge", "subscribe", "setdistance", "setend", "newrun", "invite", "start",
            "progress", "today", "mypledge", "supporters", "follow", "undo", "hideme", "help", "quiet"]  # fmt: skip
PEOPLE = [MILIND, ANKITA, ASHA, RAVI, ORGANISER, Person(3999, '<b>Zoë & "co"</b>', "ش" * 70)]


@FUZZ
@given(
    command=st.sampled_from(COMMANDS),
    argument=arguments,
    person=st.sampled_from(PEOPLE),
    in_group=st.booleans(),
    separator=st.sampled_from([" ", "\n", "  ", "\t", "@UnityRunBot "]),
)
def test_no_handler_raises_and_every_reply_is_telegram_html(
    bot, errors, command, argument, person, in_group, separator
):
    sim = bot.sim
    if in_group:
        sim.api.admins[FANS["id"]] = [ASHA]
    text = f"/{command}{separator}{argument}"
    before = bot.run(bot.stored())
    calls = bot.run(sim.send(sim.updates.text(person, text, FANS if in_group else None)))
    replies = checked(calls)
    after = bot.run(bot.stored())
    if command in ("update", "log") and before != after:
        confirmed = " ".join(replies)
        assert "Posted" in confirmed or "Logged" in confirmed, (text, confirmed)
    if command not in ("update", "log", "pledge", "newrun", "setdistance", "setend", "start", "undo"):
        assert before[1:] == after[1:], text  # reading and settings commands change no figure


@FUZZ
@given(argument=figures)
def test_what_update_stores_is_what_its_reply_says(bot, errors, argument):
    sim = bot.sim
    before = bot.run(bot.stored())
    replies = checked(bot.run(sim.send(sim.updates.text(MILIND, f"/update {argument}"))))
    after = bot.run(bot.stored())
    added = after[1]["Milind Soman"] - before[1]["Milind Soman"]
    event("stored" if added else "refused")
    if added:
        assert f"Posted <b>{render.km(added)} km</b>" in replies[0], (argument, replies)
        bot.run(sim.send(sim.updates.text(MILIND, "/undo")))  # room for the next example's day
    else:
        assert "Posted" not in replies[0]


@FUZZ
@given(argument=figures, edit=figures)
def test_what_log_and_its_edit_store_is_what_the_replies_say(bot, errors, argument, edit):
    sim = bot.sim
    person = Person(5000, "Fuzzy")
    first = sim.updates.text(person, f"/log {argument}")
    before = bot.run(bot.stored())[2].logged_m
    replies = checked(bot.run(sim.send(first)))
    middle = bot.run(bot.stored())[2].logged_m
    event("logged" if middle != before else "refused")
    if middle != before:
        assert f"Logged <b>{render.km(middle - before)} km</b>" in replies[0], (argument, replies)
    replies = checked(bot.run(sim.send(sim.updates.edit(first, text=f"/log {edit}"))))
    after = bot.run(bot.stored())[2].logged_m
    if after != middle:
        assert any(word in " ".join(replies) for word in ("Logged", "Corrected")), (edit, replies)
    bot.run(sim.send(sim.updates.text(person, "/undo")))  # room for the next example's day


@FUZZ
@given(caption=arguments)
def test_a_photo_update_with_any_caption(bot, errors, caption):
    sim = bot.sim
    checked(bot.run(sim.send(sim.updates.photo(MILIND, f"/update {caption}"))))
    bot.run(sim.send(sim.updates.text(MILIND, "/undo")))


@FUZZ
@given(data=st.one_of(st.text(max_size=64), st.sampled_from(["pledge 5%", "pledge 10%", "pledge 25%", ""])))
def test_every_tap_is_answered(bot, errors, data):
    calls = bot.run(bot.sim.send(bot.sim.updates.callback(ASHA, data)))
    assert calls and calls[0].method == "answerCallbackQuery"
    checked(calls)


# --- the checker itself -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    ["<b>open", "a < b", "Tom & Jerry", "<div>x</div>", "<b><i>x</b></i>", "&nbsp;", "<br/>", "<a onclick=x>y</a>"],
)
def test_the_checker_refuses_what_telegram_refuses(html):
    with pytest.raises(TelegramHTMLError):
        plain_text(html)


def test_the_checker_takes_telegrams_html():
    assert plain_text('<b>24 km</b> &amp; <a href="https://t.me/x">a map</a> &lt;3 &#127939;') == "24 km & a map <3 🏃"
