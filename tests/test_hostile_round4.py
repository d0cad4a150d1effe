"""What a hostile tester found after the watch files, the privacy promises and the page server were reworked:
each through the real Application behind the fake Bot API.

- Under /position delay, a runner correcting an update that was already public made it vanish from every
  public output until the delay passed: the km covered dropped at the very moment of the edit.
- The page's `generated_at` was the moment its cached document was made, and a write the public does not see
  (a position under hide) makes it anew: a Mini App viewer polling the page saw the moment of that write.
- A whole FIT file whose records carry compressed timestamps (older Garmin watches) was refused as "damaged
  or cut short".
"""

from __future__ import annotations

import struct

from bot.demo.files import FitWriter, fit_time
from bot.services import live
from tests.activity_makers import _ENUM, _SEMICIRCLES, _SINT32, _UINT16, _UINT32, _UINT32Z, START
from tests.conftest import ASHA, MILIND, ORGANISER
from tests.test_summaries import FANS, ist, subscribe


def _figures(page: dict) -> dict:
    return {k: v for k, v in page.items() if k != "generated_at"}


async def test_a_correction_under_a_delay_keeps_the_update_public_as_it_was_until_the_delay_passes(unity):
    sim = unity
    await sim.say(ORGANISER, "/position delay 60")
    sim.clock.now = ist(15, 9)
    posted = sim.updates.text(MILIND, "/update 20 Flyovers done")
    await sim.send(posted)
    sim.clock.now = ist(15, 11)  # two hours on: the 20 km are public
    before = await live.page(sim.db, "the-unity-run", sim.clock(), None)
    assert before is not None and before["progress"]["covered_m"] == 20_000
    assert "<b>20 km</b> of 416 km" in await sim.say(ASHA, "/progress")

    await sim.send(sim.updates.edit(posted, text="/update 21 Flyovers done, and the bridge"))

    # Right after the edit, the public still reads the update as it stood an hour ago: not 0 km, not 21 km.
    sim.clock.now = ist(15, 11, 1)
    during = await live.page(sim.db, "the-unity-run", sim.clock(), None)
    assert during is not None
    assert during["progress"]["covered_m"] == 20_000
    assert [(u["distance_m"], u["note"]) for u in during["updates"]] == [(20_000, "Flyovers done")]
    assert during["days"][0]["lead_m"] == 20_000
    assert during["version"] == before["version"]  # not even the version tells of the edit
    assert "<b>20 km</b> of 416 km" in await sim.say(ASHA, "/progress")
    assert "Flyovers done" in await sim.say(ASHA, "/today") and "bridge" not in await sim.say(ASHA, "/today")

    # An hour after the edit, the correction is public.
    sim.clock.now = ist(15, 12, 2)
    after = await live.page(sim.db, "the-unity-run", sim.clock(), None)
    assert after is not None and after["progress"]["covered_m"] == 21_000
    assert [(u["distance_m"], u["note"]) for u in after["updates"]] == [(21_000, "Flyovers done, and the bridge")]
    assert "<b>21 km</b> of 416 km" in await sim.say(ASHA, "/progress")


async def test_the_pages_time_is_the_moment_it_is_read_so_a_hidden_position_does_not_show_in_it(unity):
    sim = unity
    await sim.say(ORGANISER, "/position hide")
    sim.clock.now = ist(15, 9)
    await sim.say(MILIND, "/update 20 Flyovers done")
    await sim.say(ASHA, "/pledge 10%")
    first = await live.page(sim.db, "the-unity-run", sim.clock(), ASHA.id)  # the Mini App's viewer part
    assert first is not None and first["generated_at"] == "2021-08-15T03:30:00Z"

    sim.clock.now = ist(15, 9, 10)  # nothing written meanwhile
    quiet = await live.page(sim.db, "the-unity-run", sim.clock(), ASHA.id)
    assert quiet is not None and quiet["generated_at"] == "2021-08-15T03:40:00Z"

    await sim.send(sim.updates.location(MILIND, 19.2, 72.9))  # hidden from the public
    sim.clock.now = ist(15, 9, 20)
    after_write = await live.page(sim.db, "the-unity-run", sim.clock(), ASHA.id)
    assert after_write is not None and after_write["generated_at"] == "2021-08-15T03:50:00Z"
    assert after_write["position"] is None and after_write["track"] == []
    assert _figures(after_write) == _figures(quiet)  # the hidden write changed nothing a viewer reads


def _compressed_timestamp_fit() -> bytes:
    """A whole FIT activity (its CRC right) whose records carry compressed timestamp headers, as a Forerunner 70
    writes them: a full timestamp in a timer event, then each record's header holding the low 5 bits of its
    time."""
    w = FitWriter()
    w.define(0, 0, [(0, _ENUM), (1, _UINT16), (2, _UINT16), (3, _UINT32Z), (4, _UINT32)])
    w.data(0, 4, 1, 1436, 1_215_347, fit_time(START))
    w.define(1, 21, [(253, _UINT32), (0, _ENUM), (1, _ENUM)])
    w.data(1, fit_time(START), 0, 0)
    w.define(2, 20, [(0, _SINT32), (1, _SINT32)])  # records without a timestamp field
    for second in range(1, 20):
        lat, lon = 19.0 + second * 0.0005, 72.8
        header = 0x80 | (2 << 5) | ((fit_time(START) + second) & 0x1F)
        w.raw(bytes((header,)) + struct.pack("<ii", round(lat * _SEMICIRCLES), round(lon * _SEMICIRCLES)))
    return w.to_bytes()


async def test_a_fit_file_with_compressed_timestamps_is_not_called_damaged(unity):
    reply = await unity.send_file(MILIND, "fr70.fit", _compressed_timestamp_fit())
    assert "damaged" not in reply and "cut short" not in reply
    assert "compressed" in reply and "/update" in reply and "GPX" in reply
    assert "<b>0 km</b> of 416 km" in await unity.say(ASHA, "/progress")  # nothing was counted


async def test_a_runners_reply_in_a_group_keeps_the_total_from_the_public_under_a_delay_or_coarse(unity):
    sim = unity
    await subscribe(sim, FANS, args="18:00")
    sim.clock.now = ist(15, 9)
    await sim.say(MILIND, "/update 60 Flyovers done")  # in private: the runner's own total, exact
    await sim.say(ORGANISER, "/position delay 60")
    sim.clock.now = ist(15, 12)

    in_group = await sim.say(MILIND, "/update 43.4 Bridge", FANS)
    assert "43.4 km" in in_group  # the runner's own message says that much anyway
    assert "103.4" not in in_group and "Your total is not shown in a group" in in_group and "1 hour late" in in_group
    assert "<b>60 km</b> of 416 km" in await sim.say(ASHA, "/progress", FANS)  # the public's figure, an hour late

    undone = await sim.say(MILIND, "/undo", FANS)
    assert "Removed your update of 43.4 km" in undone and "Your total:" not in undone and "60" not in undone

    await sim.say(ORGANISER, "/position coarse")
    coarse = await sim.say(MILIND, "/update 3.4 Cooling down", FANS)
    assert "63.4" not in coarse and "rounded to 10 km" in coarse
    assert "Your total: 63.5 km" in await sim.say(MILIND, "/update 0.1 Stretch")  # in private it is shown
