"""/progress, /today and /supporters are kept in memory between writes: every write shows at once."""

import time

from storage import db
from tests.conftest import ANKITA, ASHA, MILIND, ORGANISER, RAVI


async def test_progress_follows_every_kind_of_change(unity):
    assert "<b>0 km</b> of 416 km" in await unity.say(ASHA, "/progress")

    await unity.say(MILIND, "/update 24 Day one")
    assert "<b>24 km</b> of 416 km" in await unity.say(ASHA, "/progress")

    await unity.say(ORGANISER, "/setdistance 420")
    assert "<b>24 km</b> of 420 km" in await unity.say(ASHA, "/progress")

    await unity.say(MILIND, "/undo")
    assert "<b>0 km</b> of 420 km" in await unity.say(ASHA, "/progress")

    await unity.send(unity.updates.location(MILIND, 19.07, 72.87))
    assert "19.07" in await unity.say(ASHA, "/progress")

    await unity.say(ORGANISER, "/endrun")
    assert "Finished: <b>0 km</b> of the planned 420 km" in await unity.say(ASHA, "/progress")


async def test_progress_and_today_move_to_the_next_day(unity):
    await unity.say(MILIND, "/update 24 Day one")
    assert "Day 1 of 8" in await unity.say(ASHA, "/progress")
    assert "Day one" in await unity.say(ASHA, "/today")

    unity.clock.advance(days=1)

    assert "Day 2 of 8" in await unity.say(ASHA, "/progress")
    assert "Day one" not in await unity.say(ASHA, "/today")


async def test_today_shows_an_edited_update(unity):
    message = unity.updates.text(ANKITA, "/update 28 flyovers")
    await unity.send(message)
    assert "28 km" in await unity.say(ASHA, "/today")

    await unity.send(unity.updates.edit(message, text="/update 26 flyovers"))

    today = await unity.say(ASHA, "/today")
    assert "26 km" in today
    assert "28 km" not in today


async def test_supporters_follows_pledges_logs_and_hideme(unity):
    assert "No pledges yet" in await unity.say(ASHA, "/supporters")

    await unity.say(ASHA, "/pledge")
    assert "1 supporter" in await unity.say(RAVI, "/supporters")

    await unity.say(ASHA, "/log 5")
    board = await unity.say(RAVI, "/supporters")
    assert "5 km logged" in board
    assert "Asha" in board

    await unity.say(ASHA, "/hideme")
    assert "Asha" not in await unity.say(RAVI, "/supporters")

    assert "5 km logged (1.2% of the run's distance)" in await unity.say(RAVI, "/supporters")
    await unity.say(ORGANISER, "/setdistance 250")
    assert "5 km logged (2% of the run's distance)" in await unity.say(RAVI, "/supporters")


async def test_a_change_made_outside_the_bot_shows_within_half_a_minute(unity, monkeypatch):
    await unity.say(MILIND, "/update 24 Day one")
    assert "<b>24 km</b> of 416 km" in await unity.say(ASHA, "/progress")
    # as a fix in the sqlite3 shell would: a change that tells the bot's memory nothing
    await unity.db.transaction(lambda conn: conn.execute("UPDATE updates SET metres = 25000"), changes=())
    assert "<b>24 km</b> of 416 km" in await unity.say(ASHA, "/progress")

    later = time.monotonic() + db.KEEP_SECONDS
    monkeypatch.setattr(db.time, "monotonic", lambda: later)

    assert "<b>25 km</b> of 416 km" in await unity.say(ASHA, "/progress")
