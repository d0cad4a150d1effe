"""Hostile requests to the live page, over the real application (httpx ASGITransport), and what the JSON
shows of a hidden supporter and a coarse, hidden or delayed position."""

from __future__ import annotations

import json
import logging

from bot.demo.simulator import DOWNLOAD
from tests.conftest import MILIND, ORGANISER
from tests.test_live_page import PNG, UNITY_JSON, day_one, http, init_data  # noqa: F401 (http is a fixture)


async def test_an_undone_updates_photo_leaves_the_page_at_once(unity, http) -> None:  # noqa: F811
    await day_one(unity)
    unity.api.files["photo-day1"] = PNG + b"day one"
    photo = (await http.get(UNITY_JSON)).json()["updates"][1]["photo"]
    assert (await http.get(f"/photos/{photo}")).content == PNG + b"day one"  # now kept in memory
    await unity.say(MILIND, "/undo")  # the wrong photo: the runner takes it back
    answer = await http.get(f"/photos/{photo}")
    assert (answer.status_code, answer.text) == (404, "Not Found")


async def test_a_photos_url_never_shows_another_photo_after_an_undo_and_a_new_one(unity, http) -> None:  # noqa: F811
    await day_one(unity)
    unity.api.files["photo-wrong"] = PNG + b"the wrong photo"
    unity.api.files["photo-right"] = PNG + b"the right one"
    await unity.send(unity.updates.photo(MILIND, "/update 3 Evening walk", file_id="photo-wrong"))
    wrong = (await http.get(UNITY_JSON)).json()["updates"][0]
    first = await http.get(f"/photos/{wrong['photo']}")
    assert first.content == PNG + b"the wrong photo"
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"  # browsers keep it: it never changes

    await unity.say(MILIND, "/undo")
    await unity.send(unity.updates.photo(MILIND, "/update 3 Evening walk", file_id="photo-right"))
    right = (await http.get(UNITY_JSON)).json()["updates"][0]
    assert right["id"] == wrong["id"]  # SQLite gave the new update the undone one's id
    assert right["photo"] != wrong["photo"]  # but the photo's name is the photo's own
    old = await http.get(f"/photos/{wrong['photo']}")
    assert (old.status_code, old.text, old.headers["cache-control"]) == (404, "Not Found", "no-cache")
    new = await http.get(f"/photos/{right['photo']}")
    assert new.content == PNG + b"the right one"
    assert (await http.get(f"/photos/{right['id']}")).status_code == 404  # the update's id alone names no photo


async def test_a_photo_is_downloaded_from_telegram_once_for_many_viewers(unity, http) -> None:  # noqa: F811
    await day_one(unity)
    unity.api.files["photo-day1"] = PNG
    photo = (await http.get(UNITY_JSON)).json()["updates"][1]["photo"]
    before = len([c for c in unity.api.calls if c.method == DOWNLOAD])
    for _ in range(5):
        assert (await http.get(f"/photos/{photo}")).status_code == 200
    assert len([c for c in unity.api.calls if c.method == DOWNLOAD]) == before + 1


async def test_a_photo_id_too_long_for_an_integer_is_a_404_not_a_503_with_a_traceback(unity, http, caplog) -> None:  # noqa: F811
    await day_one(unity)
    with caplog.at_level(logging.WARNING):
        answer = await http.get("/photos/" + "9" * 40)
    assert (answer.status_code, answer.text) == (404, "Not Found")
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_what_the_json_shows_under_each_position_setting(unity, http) -> None:  # noqa: F811
    """Decided: under coarse, hide and delay the exact latest position is nowhere in the document (not in
    `position`, not in `track`). The updates' notes are the runner's own words, shown as written."""
    await day_one(unity)  # positions at 17:00 and 18:00 IST (19.0176, 72.8562 and 19.2502, 72.8597); now 18:40
    await unity.say(ORGANISER, "/position coarse")
    text = (await http.get(UNITY_JSON)).text
    assert "19.2502" not in text and "19.0176" not in text and "72.8597" not in text
    page = json.loads(text)
    # the 18:00 IST (12:30Z) position, its time rounded down to the hour
    assert page["position"] == {"runner": "Milind Soman", "lat": 19.3, "lon": 72.9, "at": "2021-08-15T12:00:00Z",
                                "precision": "coarse"}  # fmt: skip
    await unity.say(ORGANISER, "/position hide")
    text = (await http.get(UNITY_JSON)).text
    assert "19.2502" not in text and "19.0176" not in text
    assert (json.loads(text)["position"], json.loads(text)["track"]) == (None, [])
    await unity.say(ORGANISER, "/position delay 60")  # 18:40 - 60 min: only the 17:00 position is old enough
    text = (await http.get(UNITY_JSON)).text
    assert "19.2502" not in text
    assert json.loads(text)["position"]["lat"] == 19.0176


async def test_a_viewer_who_is_not_a_supporter_sees_an_empty_pledge_and_a_hidden_one_stays_off_the_board(
    unity,
    http,  # noqa: F811
) -> None:
    await day_one(unity)  # Ravi (3002) pledged, logged and sent /hideme
    stranger = (await http.get(UNITY_JSON, headers={"X-Telegram-Init-Data": init_data(999, unity)})).json()
    assert stranger["viewer"] == {"user_id": 999, "name": None, "pledged_m": None, "logged_m": 0, "hidden": False}
    ravi = (await http.get(UNITY_JSON, headers={"X-Telegram-Init-Data": init_data(3002, unity)})).json()
    assert ravi["viewer"]["hidden"] is True
    assert "Ravi" not in [b["name"] for b in ravi["supporters"]["board"]]


async def test_the_page_drops_an_undone_activity_files_position(unity, http) -> None:  # noqa: F811
    from tests.test_files_and_route import day_of_run
    from tests.test_hostile_inputs import activity

    unity.clock.now = day_of_run(1, 7)
    await unity.send(unity.updates.location(MILIND, 19.0176, 72.8562))
    unity.clock.now = day_of_run(1, 9)
    wrong = activity([(28.6, 77.2, "2021-08-15T07:30:00Z"), (28.65, 77.2, "2021-08-15T08:30:00Z")])
    await unity.send_file(MILIND, "wrong.gpx", wrong)
    assert (await http.get(UNITY_JSON)).json()["position"]["lat"] == 28.65
    await unity.say(MILIND, "/undo")
    text = (await http.get(UNITY_JSON)).text
    assert "28.65" not in text and "28.6," not in text
    assert json.loads(text)["position"]["lat"] == 19.0176


async def test_signed_init_data_with_a_user_id_no_telegram_user_has_gets_the_public_view(unity, http) -> None:  # noqa: F811
    """Only the bot's token signs init data, but an id past SQLite's integers was a 503 for the whole page."""
    from bot.demo.simulator import FAKE_TOKEN
    from bot.web.initdata import sign_init_data

    await day_one(unity)
    for user_id in (2**70, 0, -5):
        user = json.dumps({"id": user_id, "first_name": "X"})
        signed = sign_init_data({"user": user, "auth_date": str(int(unity.clock().timestamp()) - 60)}, FAKE_TOKEN)
        answer = await http.get(UNITY_JSON, headers={"X-Telegram-Init-Data": signed})
        assert (answer.status_code, answer.json()["viewer"]) == (200, None)


async def test_after_endrun_the_organiser_can_still_hide_the_last_position(unity, http) -> None:  # noqa: F811
    await day_one(unity)
    await unity.say(ORGANISER, "/endrun")
    assert (await http.get(UNITY_JSON)).json()["position"]["lat"] == 19.2502  # where the run stopped
    reply = await unity.say(ORGANISER, "/position hide")
    assert "The runner&#x27;s position is hidden from the public." in reply
    page = (await http.get(UNITY_JSON)).json()
    assert (page["run"]["stage"], page["position"], page["track"]) == ("ended", None, [])


async def test_photos_of_a_text_update_are_404_and_an_ended_runs_photos_stay_on_its_own_page(unity, http) -> None:  # noqa: F811
    await day_one(unity)
    unity.api.files["photo-day1"] = PNG
    page = (await http.get(UNITY_JSON)).json()
    photo, text_update = page["updates"][1]["photo"], page["updates"][0]["id"]
    assert (await http.get(f"/photos/{text_update}")).status_code == 404  # Ankita's update has no photo
    assert (await http.get(f"/photos/{photo}")).status_code == 200
    await unity.say(ORGANISER, "/endrun")
    await unity.say(ORGANISER, "/newrun Next Run | A | B | 100 | 2021-09-01 | 2021-09-05")
    # The ended run keeps its page at its own address, photos and all; the new run's page has none of them.
    assert (await http.get(UNITY_JSON)).json()["updates"][1]["photo"] == photo
    assert (await http.get(f"/photos/{photo}")).status_code == 200
    assert photo not in (await http.get("/r/next-run/run.json")).text
    for trick in ("..%2F..%2Fbot.db", "1%00", "%31", "1.jpg", "-1"):
        assert (await http.get(f"/photos/{trick}")).status_code == 404, trick


async def test_gzip_refused_with_q_0_gets_plain_json(unity, http) -> None:  # noqa: F811
    await day_one(unity)
    for refused in ("gzip;q=0", "gzip; q=0.0, identity", "br", "x-gzip-ish;q=1"):
        answer = await http.get(UNITY_JSON, headers={"Accept-Encoding": refused})
        assert "content-encoding" not in answer.headers, refused
        assert answer.json()["run"]["title"] == "The Unity Run"
    for accepted in ("gzip", "br, gzip;q=0.5", "*"):
        answer = await http.get(UNITY_JSON, headers={"Accept-Encoding": accepted})
        assert answer.headers["content-encoding"] == "gzip", accepted
