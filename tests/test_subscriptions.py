"""/subscribe, /unsubscribe, /follow, /unfollow; the bot added to and removed from groups; upgrades."""

import pytest

import storage.db
from bot.demo.simulator import FAKE_TOKEN, group_chat
from bot.ops.config import ConfigError, parse_settings
from storage import followers, runs, subscriptions
from storage.db import Database
from tests.conftest import ASHA, RAVI

FANS = group_chat(-1001234567890, "Unity Run fans")
FAMILY = group_chat(-4012345, "Family", kind="group")


async def subscription(sim, chat_id):
    return await sim.query(subscriptions.get, chat_id)


async def test_an_admin_subscribes_a_group_at_the_default_time_in_the_runs_zone(unity):
    unity.api.admins[FANS["id"]] = [ASHA]

    reply = await unity.say(ASHA, "/subscribe", FANS)

    assert "This group will get the daily summary of <b>The Unity Run</b> at 21:00 (Asia/Kolkata time)" in reply
    assert "first one comes on 15 Aug 2021" in reply
    sub = await subscription(unity, FANS["id"])
    assert (sub.kind, sub.local_time, sub.timezone, sub.subscribed_by) == ("group", "21:00", None, ASHA.id)


async def test_an_admin_changes_the_time_and_zone(unity):
    unity.api.admins[FANS["id"]] = [RAVI, ASHA]
    await unity.say(ASHA, "/subscribe", FANS)

    reply = await unity.say(ASHA, "/subscribe 7:30 Europe/London", FANS)

    assert "at 07:30 (Europe/London time)" in reply
    sub = await subscription(unity, FANS["id"])
    assert (sub.local_time, sub.timezone) == ("07:30", "Europe/London")


async def test_a_member_who_is_not_admin_is_refused_and_nothing_changes(unity):
    unity.api.admins[FANS["id"]] = [ASHA]

    reply = await unity.say(RAVI, "/subscribe 20:00", FANS)

    assert reply == "Only the administrators of this group can subscribe it to the daily summary or change its time."
    assert await subscription(unity, FANS["id"]) is None


async def test_only_admins_unsubscribe_a_group(unity):
    unity.api.admins[FANS["id"]] = [ASHA]
    await unity.say(ASHA, "/subscribe", FANS)

    refused = await unity.say(RAVI, "/unsubscribe", FANS)
    assert refused == "Only the administrators of this group can stop its daily summary."
    assert await subscription(unity, FANS["id"]) is not None

    assert "daily summary here has stopped" in await unity.say(ASHA, "/unsubscribe", FANS)
    assert await subscription(unity, FANS["id"]) is None
    assert "no daily summary here to stop" in await unity.say(ASHA, "/unsubscribe", FANS)


async def test_the_admins_are_asked_once_in_a_few_minutes(unity):
    unity.api.admins[FANS["id"]] = [ASHA]
    await unity.say(RAVI, "/subscribe", FANS)
    await unity.say(ASHA, "/subscribe", FANS)
    asked = [c for c in unity.api.calls if c.method == "getChatAdministrators"]
    assert len(asked) == 1

    unity.api.admins[FANS["id"]] = [ASHA, RAVI]  # Ravi is made an admin; the cache still says no
    assert "Only the administrators of this group" in await unity.say(RAVI, "/subscribe 20:00", FANS)
    unity.clock.advance(minutes=6)
    assert "at 20:00" in await unity.say(RAVI, "/subscribe 20:00", FANS)
    assert len([c for c in unity.api.calls if c.method == "getChatAdministrators"]) == 2


async def test_anyone_subscribes_in_a_private_chat(unity):
    reply = await unity.say(RAVI, "/subscribe 06:15")  # it is 06:30 in Mumbai: today's time has passed

    assert reply.startswith("✅ You will get the daily summary of <b>The Unity Run</b> at 06:15")
    assert "first one comes on 16 Aug 2021" in reply
    sub = await subscription(unity, RAVI.id)
    assert (sub.kind, sub.subscribed_by) == ("private", RAVI.id)
    assert not [c for c in unity.api.calls if c.method == "getChatAdministrators"]


async def test_bad_time_and_bad_zone_are_refused_with_how_to_write_them(unity):
    unity.api.admins[FANS["id"]] = [ASHA]

    bad_time = await unity.say(ASHA, "/subscribe 25:00", FANS)
    bad_zone = await unity.say(ASHA, "/subscribe 21:00 Mars/Olympus", FANS)
    too_much = await unity.say(ASHA, "/subscribe 21:00 22:00", FANS)

    assert bad_time == (
        "“25:00” is not a time of day (HH:MM, 00:00 to 23:59). "
        "Write it like: /subscribe 21:00, or /subscribe 21:00 Europe/London"
    )
    assert bad_zone.startswith("“Mars/Olympus” is not a known time zone")
    assert too_much.startswith("Give one time and at most one time zone.")
    assert await subscription(unity, FANS["id"]) is None


async def test_bot_added_to_a_group_says_hello_once_with_how_to_subscribe(unity):
    calls = await unity.send(unity.updates.my_membership(FANS, ASHA, "left", "member"))

    hellos = [c for c in calls if c.method == "sendMessage"]
    assert [c.chat_id for c in hellos] == [FANS["id"]]
    assert "Hello" in hellos[0].text
    assert "send /subscribe for a daily summary here at 21:00 (Asia/Kolkata time)" in hellos[0].text
    # promoted to admin later: no second hello
    promoted = await unity.send(unity.updates.my_membership(FANS, ASHA, "member", "administrator"))
    assert not [c for c in promoted if c.method == "sendMessage"]


async def test_bot_removed_or_banned_ends_the_subscription(unity):
    unity.api.admins[FANS["id"]] = [ASHA]
    unity.api.admins[FAMILY["id"]] = [RAVI]
    await unity.say(ASHA, "/subscribe", FANS)
    await unity.say(RAVI, "/subscribe", FAMILY)

    await unity.send(unity.updates.my_membership(FANS, ASHA, "member", "left"))
    await unity.send(unity.updates.my_membership(FAMILY, RAVI, "administrator", "kicked"))

    assert await subscription(unity, FANS["id"]) is None
    assert await subscription(unity, FAMILY["id"]) is None


async def test_a_user_who_blocks_the_bot_stops_following(unity):
    await unity.say(RAVI, "/follow")
    await unity.say(RAVI, "/subscribe")

    await unity.send(unity.updates.my_membership(RAVI.private_chat(), RAVI, "member", "kicked"))

    assert not await unity.query(lambda conn: followers.is_following(conn, runs.latest(conn).id, RAVI.id))
    assert await subscription(unity, RAVI.id) is None


async def test_a_group_upgraded_to_a_supergroup_keeps_its_subscription(unity):
    unity.api.admins[FAMILY["id"]] = [RAVI]
    await unity.say(RAVI, "/subscribe 20:00", FAMILY)
    new_id = -1009876543210

    await unity.send(unity.updates.migrate(RAVI, FAMILY, new_id))

    assert await subscription(unity, FAMILY["id"]) is None
    moved = await subscription(unity, new_id)
    assert (moved.local_time, moved.subscribed_by) == ("20:00", RAVI.id)


async def test_follow_and_unfollow_in_a_private_chat(unity):
    assert "You will get a short message here for each update of The Unity Run" in await unity.say(ASHA, "/follow")
    assert "You follow The Unity Run already" in await unity.say(ASHA, "/follow")
    assert await unity.query(lambda conn: followers.is_following(conn, runs.latest(conn).id, ASHA.id))

    assert "No more update messages" in await unity.say(ASHA, "/unfollow")
    assert "You were not following" in await unity.say(ASHA, "/unfollow")
    assert not await unity.query(lambda conn: followers.is_following(conn, runs.latest(conn).id, ASHA.id))


async def test_follow_in_a_group_says_to_write_privately(unity):
    reply = await unity.say(ASHA, "/follow", FANS)

    assert reply == "Send /follow to me in a private chat (@UnityRunBot): the messages come to you there."
    assert not await unity.query(lambda conn: followers.is_following(conn, runs.latest(conn).id, ASHA.id))


async def tables(db: Database) -> set[str]:
    rows = await db.read(lambda conn: conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall())
    return {row[0] for row in rows}


async def version(db: Database) -> int:
    return await db.read(lambda conn: conn.execute("PRAGMA user_version").fetchone()[0])


async def test_migration_0003_applies_after_0001_with_or_without_a_0002(tmp_path, monkeypatch):
    ours = {"subscriptions", "followers", "deliveries", "milestones"}
    fresh = await Database.open(tmp_path / "fresh.db")
    assert await version(fresh) >= 3 and ours <= await tables(fresh)
    await fresh.close()

    # a 0002 from another branch: applied in order on a fresh database, or before 0003 on one at version 2
    real = storage.db.migrations()
    other = (2, "CREATE TABLE pledges_stand_in (id INTEGER PRIMARY KEY) STRICT;")
    monkeypatch.setattr(storage.db, "migrations", lambda: sorted([*real, other]))
    both = await Database.open(tmp_path / "both.db")
    assert await version(both) >= 3 and {"pledges_stand_in", *ours} <= await tables(both)
    await both.close()

    monkeypatch.setattr(storage.db, "migrations", lambda: [m for m in sorted([*real, other]) if m[0] <= 2])
    upgraded = await Database.open(tmp_path / "upgraded.db")
    assert await version(upgraded) == 2
    await upgraded.close()
    monkeypatch.setattr(storage.db, "migrations", lambda: sorted([*real, other]))
    upgraded = await Database.open(tmp_path / "upgraded.db")
    assert await version(upgraded) >= 3 and ours <= await tables(upgraded)
    await upgraded.close()


def test_summary_time_setting_defaults_to_21_00_and_is_validated():
    assert parse_settings({"TELEGRAM_BOT_TOKEN": FAKE_TOKEN}).summary_time == "21:00"
    assert parse_settings({"TELEGRAM_BOT_TOKEN": FAKE_TOKEN, "SUMMARY_TIME": "7:05"}).summary_time == "07:05"
    with pytest.raises(ConfigError, match=r"SUMMARY_TIME must be a time of day as HH:MM .*'25:00'"):
        parse_settings({"TELEGRAM_BOT_TOKEN": FAKE_TOKEN, "SUMMARY_TIME": "25:00"})
