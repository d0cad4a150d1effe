"""A database from the previous release upgrades with its run as the first run of the new model, nothing lost.

tests/fixtures/previous_release/ holds the database the previous release's demo leaves (schema 9, commit
86e2460) and figures.json: what that release shows from it (every row of the tables with figures, every
table's count, the live page's JSON, the texts of /progress /today /supporters /checkpoints) at the moment
the demo ends. A copy is opened here with `Database.open`, which migrates it to this version's schema, and
every figure is compared: the rows (the old columns of a table 0010 changed, and its new columns checked),
the counts, the new tables (organisers, members, chat_runs), the page and the four texts; then the real bot
plays on the upgraded copy.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.demo.simulator import Clock, Person, Simulator
from bot.replies import render, render_route
from bot.services import live, pledges, routes, tracking
from storage import runs
from storage.db import Database
from storage.runs import Run

FIXTURE = Path(__file__).parent / "fixtures" / "previous_release"
FIGURES: dict[str, Any] = json.loads((FIXTURE / "figures.json").read_text(encoding="utf-8"))
NOW = datetime.fromisoformat(FIGURES["now"].replace("Z", "+00:00"))  # 24 Aug 2021, 21:00 in Mumbai
SLUG = "the-unity-run"
OPERATOR = Person(1001, "Priya", "(organiser)")  # the demo's organiser, an operator (ADMIN_IDS)
ASHA = Person(3001, "Asha")  # a supporter: followed and pledged before the run, logged km during it
RELAY = "/newrun Powai Striders Weekend Relay | Powai | Powai | 100 | 2021-08-28 | 2021-08-29 | Asia/Kolkata"
# The tables 0010 rebuilt or gave new columns: compared on their old columns, the new ones checked apart.
NEW_COLUMNS = {"runs": ["slug", "listed"], "followers": ["run_id"]}
NEW_TABLES = ("organisers", "members", "chat_runs")
Row = list[Any]


# ---- reading a database ---------------------------------------------------------------------------------


def copy_of_fixture(folder: Path) -> Path:
    """A copy of the fixture (never the fixture itself: opening it migrates it, and it is in WAL mode)."""
    target = folder / "demo.db"
    shutil.copyfile(FIXTURE / "demo.db", target)
    return target


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def table_names(conn: sqlite3.Connection) -> list[str]:
    found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return sorted(name for (name,) in found)


def columns_of(conn: sqlite3.Connection, table: str) -> list[str]:
    return [c[1] for c in conn.execute(f'PRAGMA table_info("{table}")')]


def rows_of(conn: sqlite3.Connection, table: str, columns: Iterable[str], where: str = "") -> list[Row]:
    """`columns` of every row, as make_figures.py lists them, in a stable order (the columns, then rowid)."""
    listed = ", ".join(f'"{c}"' for c in columns)
    return [list(r) for r in conn.execute(f'SELECT {listed} FROM "{table}" {where} ORDER BY {listed}')]


def ordered(rows: list[Row]) -> list[Row]:
    """figures.json's rows in the order rows_of reads them (by every column; None before any value)."""
    return sorted(rows, key=lambda row: [(value is not None, value) for value in row])


def unmigrated(folder: Path) -> dict[str, Any]:
    """Every table of the fixture as the previous release left it: its columns and all its rows."""
    path = copy_of_fixture(folder)
    with connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (9,)
        tables = {name: columns_of(conn, name) for name in table_names(conn)}
        found = {name: {"columns": cols, "rows": rows_of(conn, name, cols)} for name, cols in tables.items()}
    conn.close()
    return found


# ---- comparing ------------------------------------------------------------------------------------------


def differences(table: str, before: list[Row], after: list[Row]) -> list[str]:
    """What was lost, added or altered between two row lists of one table (empty: the same rows)."""
    lost = [r for r in before if r not in after]
    added = [r for r in after if r not in before]
    found = [f"{table}: lost {r!r}"[:300] for r in lost] + [f"{table}: new or altered {r!r}"[:300] for r in added]
    if not found and before != after:  # the same rows, but one repeated a different number of times
        found.append(f"{table}: {len(before)} rows before, {len(after)} after")
    return found


def figure_differences(conn: sqlite3.Connection, run_id: int | None = None) -> list[str]:
    """Every row figures.json lists against the database's rows now, on the columns the previous release had.

    With `run_id`, only that run's rows of the tables that name a run (another run may have been added)."""
    found: list[str] = []
    for table, recorded in FIGURES["tables"].items():
        if "rows" not in recorded:
            continue
        old = recorded["columns"]
        key = "id" if table == "runs" else "run_id" if "run_id" in columns_of(conn, table) else None
        where = f'WHERE "{key}" = {int(run_id)}' if run_id is not None and key else ""
        found += differences(table, ordered(recorded["rows"]), rows_of(conn, table, old, where))
    return found


def count_differences(conn: sqlite3.Connection) -> list[str]:
    found = []
    for table, recorded in FIGURES["tables"].items():
        (count,) = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
        if count != recorded["count"]:
            found.append(f"{table}: {recorded['count']} rows before, {count} now")
    return found


def column_differences(conn: sqlite3.Connection) -> list[str]:
    """Every table of the previous release is still here, with all its columns (and 0010's new ones only)."""
    found = []
    for table, recorded in FIGURES["tables"].items():
        now = columns_of(conn, table)
        expected = recorded["columns"] + NEW_COLUMNS.get(table, [])
        if sorted(now) != sorted(expected):
            found.append(f"{table}: columns {recorded['columns']} then, {now} now")
    return found


def recorded(table: str) -> list[dict[str, Any]]:
    """figures.json's rows of `table`, each as {column: value}."""
    columns = FIGURES["tables"][table]["columns"]
    return [dict(zip(columns, row, strict=True)) for row in FIGURES["tables"][table]["rows"]]


def expected_members(run_id: int) -> list[Row]:
    """Every runner, organiser (the creator), pledger and follower of the old run, once each, with the first
    moment they were part of it."""
    sources = [(r["user_id"], r["joined_at"]) for r in recorded("runners")]
    sources += [(r["created_by"], r["created_at"]) for r in recorded("runs")]
    sources += [(p["user_id"], p["created_at"]) for p in recorded("pledges")]
    sources += [(f["user_id"], f["created_at"]) for f in recorded("followers")]
    first: dict[int, str] = {}
    for user_id, at in sources:
        first[user_id] = min(at, first.get(user_id, at))
    return ordered([[user_id, run_id, at] for user_id, at in first.items()])


async def shown(db: Database, run: Run) -> dict[str, Any]:
    """What this version shows of the run at the recorded moment: the page (without and with a viewer) and the
    texts of /progress, /today, /supporters and /checkpoints, as their handlers render them."""
    viewer = FIGURES["page_viewer"]["viewer_user_id"]
    return {
        "page": await live.page(db, run.slug, NOW, None),
        "page_viewer": {"viewer_user_id": viewer, "page": await live.page(db, run.slug, NOW, viewer)},
        "texts": {
            "progress": render.progress(await tracking.progress_report(db, run, NOW)),
            "today": render.today(await tracking.today_report(db, run, NOW)),
            "supporters": render.supporters(await pledges.supporters_report(db, run.id)),
            "checkpoints": render_route.checkpoints(await routes.checkpoint_report(db, run.id, NOW)),
        },
    }


def json_differences(then: Any, now: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, by path (page.run.title, page.updates[3].km, ...)."""
    found: list[str] = []
    if isinstance(then, dict) and isinstance(now, dict):
        found += [f"{path}.{k}: only {'then' if k in then else 'now'}" for k in sorted(set(then) ^ set(now))]
        for key in sorted(set(then) & set(now)):
            found += json_differences(then[key], now[key], f"{path}.{key}")
    elif isinstance(then, list) and isinstance(now, list) and len(then) == len(now):
        for i, (a, b) in enumerate(zip(then, now, strict=True)):
            found += json_differences(a, b, f"{path}[{i}]")
    elif then != now or type(then) is not type(now):
        found.append(f"{path}: {then!r} then, {now!r} now"[:400])
    return found


def shown_differences(now: dict[str, Any]) -> list[str]:
    then = {key: FIGURES[key] for key in ("page", "page_viewer", "texts")}
    return json_differences(then, now)


async def the_run(db: Database) -> Run:
    run = await db.read(lambda conn: runs.by_slug(conn, SLUG))
    assert run is not None, f"no run called {SLUG} after the upgrade"
    return run


# ---- the tests ------------------------------------------------------------------------------------------


def test_the_fixture_is_what_its_figures_say(tmp_path):
    """figures.json was made from this demo.db: its rows and counts are the database's (so a difference
    below is the upgrade's, not a stale fixture's)."""
    assert FIGURES["user_version"] == 9
    before = unmigrated(tmp_path)
    assert sorted(before) == sorted(FIGURES["tables"])
    for table, figures in FIGURES["tables"].items():
        assert before[table]["columns"] == figures["columns"], table
        assert len(before[table]["rows"]) == figures["count"], table
        if "rows" in figures:
            assert before[table]["rows"] == ordered(figures["rows"]), table


async def test_every_table_keeps_every_row_and_column(tmp_path):
    (tmp_path / "before").mkdir()
    before = unmigrated(tmp_path / "before")  # for inbox and invites, which figures.json only counts
    path = copy_of_fixture(tmp_path)
    db = await Database.open(path)
    await db.close()
    with connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (10,)
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert column_differences(conn) == []
        assert count_differences(conn) == []
        assert figure_differences(conn) == []
        for table in ("inbox", "invites"):  # invites: rebuilt by 0010 (its role may now be 'organiser')
            columns = before[table]["columns"]
            assert differences(table, before[table]["rows"], rows_of(conn, table, columns)) == []
        assert sorted(table_names(conn)) == sorted([*FIGURES["tables"], *NEW_TABLES])
    conn.close()
    # The figures compared: 22 tables counted; 103 rows of 20 tables from figures.json, 60 of inbox and invites.
    rows = sum(len(t.get("rows", [])) for t in FIGURES["tables"].values())
    assert (len(FIGURES["tables"]), rows) == (22, 103)


async def test_the_old_run_is_the_first_run_of_the_new_model(tmp_path):
    path = copy_of_fixture(tmp_path)
    db = await Database.open(path)
    try:
        run = await the_run(db)
    finally:
        await db.close()
    (old,) = recorded("runs")
    assert (run.id, run.title, run.slug, run.listed) == (old["id"], old["title"], SLUG, True)
    with connect(path) as conn:
        assert rows_of(conn, "runs", ["id", "slug", "listed"]) == [[run.id, SLUG, 1]]
        # followers follow the run they followed (the current one, then): by id now
        followers = rows_of(conn, "followers", ["run_id", "user_id", "created_at"])
        assert followers == ordered([[run.id, f["user_id"], f["created_at"]] for f in recorded("followers")])
        # its creator organises it
        organisers = rows_of(conn, "organisers", ["run_id", "user_id", "role", "added_at"])
        assert organisers == [[run.id, old["created_by"], "creator", old["created_at"]]]
        # its runners, organiser, supporters (a pledge) and followers are its members
        assert rows_of(conn, "members", ["user_id", "run_id", "joined_at"]) == expected_members(run.id)
        assert [m[0] for m in expected_members(run.id)] == [1001, 2001, 2002, 3001, 3002, 3003]
        # each chat subscribed to the run's news is about the run
        chat_runs = rows_of(conn, "chat_runs", ["chat_id", "run_id", "chosen_by", "chosen_at"])
        subscribed = [[s["chat_id"], run.id, s["subscribed_by"], s["created_at"]] for s in recorded("subscriptions")]
        assert chat_runs == ordered(subscribed)
        assert len(chat_runs) == 1
    conn.close()


async def test_the_page_and_the_texts_show_the_same(tmp_path):
    """The live page (no viewer, and a supporter's), /progress, /today, /supporters and /checkpoints: the
    same as the previous release showed, to the character (no wording changed in this version)."""
    db = await Database.open(copy_of_fixture(tmp_path))
    try:
        now = await shown(db, await the_run(db))
    finally:
        await db.close()
    assert shown_differences(now) == []
    assert now["page"]["generated_at"] == FIGURES["now"]  # the recorded moment, not the clock's


async def test_the_bot_plays_on_the_upgraded_database(tmp_path):
    """Through the real application: a supporter's /progress is about the Unity Run without a question, and an
    operator's /newrun of a second run leaves every figure of the Unity Run as it was."""
    path = copy_of_fixture(tmp_path)
    async with Simulator(path, admin_ids=frozenset({OPERATOR.id}), clock=Clock(NOW)) as sim:
        calls = await sim.send(sim.updates.text(ASHA, "/progress"))
        replies = [c for c in calls if c.method == "sendMessage"]
        assert [c.text for c in replies] == [FIGURES["texts"]["progress"]]
        assert "reply_markup" not in replies[0].params  # no "which run?" buttons

        answer = await sim.say(OPERATOR, RELAY)
        assert "New run: <b>Powai Striders Weekend Relay</b>" in answer
        relay = await sim.query(runs.by_slug, "powai-striders-weekend-relay")
        unity = await the_run(sim.db)
        assert relay is not None and relay.id != unity.id and unity.is_open is False

        assert shown_differences(await shown(sim.db, unity)) == []
        mine = await sim.say(ASHA, "/runs")  # hers: the upgraded run (a member by her pledge); the new one open
        assert "• <b>The Unity Run</b> (ended): 15 Aug 2021 to 24 Aug 2021" in mine
        assert "<b>Open runs</b>\n• Powai Striders Weekend Relay" in mine
    with connect(path) as conn:  # inbox is no figure: the bot keeps handled update ids two days, pruned at start
        assert figure_differences(conn, run_id=unity.id) == []
        assert rows_of(conn, "runs", ["id"]) == [[unity.id], [relay.id]]
        organisers = rows_of(conn, "organisers", ["run_id", "user_id", "role"])
        assert organisers == [[unity.id, OPERATOR.id, "creator"], [relay.id, OPERATOR.id, "creator"]]
        assert rows_of(conn, "members", ["user_id", "run_id", "joined_at"], f"WHERE run_id = {unity.id}") == (
            expected_members(unity.id)
        )
    conn.close()


@pytest.mark.parametrize(
    ("change", "seen"),
    [
        ("DELETE FROM logs WHERE id = 3", "logs: lost [3, 1,"),
        ("UPDATE pledges SET logged_m = logged_m + 1 WHERE user_id = 3002", "pledges: new or altered [2, 1, 3002"),
        ("DELETE FROM followers", "followers: lost [3001,"),
        ("UPDATE runs SET title = 'The Unity Run!'", "runs: new or altered [1, 'The Unity Run!'"),
    ],
)
async def test_the_comparison_sees_a_row_lost_or_altered(tmp_path, change, seen):
    """The helpers above fail on a copy changed before it is upgraded: a row deleted, a figure altered."""
    path = copy_of_fixture(tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute(change)
    conn.close()
    db = await Database.open(path)
    await db.close()
    with connect(path) as conn:
        found = figure_differences(conn) + count_differences(conn)
    conn.close()
    assert any(d.startswith(seen) for d in found), found
