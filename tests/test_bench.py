"""The benchmark (bench/, `python -m bench`) in its quick mode: it measures real, successful work.

No timing is asserted: only that the sections produce their rows, and that every update the bench
played got the reply a user would get (not an error, a refusal or nothing)."""

from __future__ import annotations

import json
import random
import sqlite3

from bench import common, data, mix, report, sections
from bench.data import TODAY
from bench.harness import BotHarness
from bot.demo.simulator import Clock


def tiny(tmp_path) -> sections.Options:
    opts = sections.Options.quick()
    opts.workdir = tmp_path
    opts.reps = 2
    opts.cost_updates = opts.check_updates = opts.growth_updates = 120
    opts.growth_sizes = (1_000, 2_000)
    opts.runs_total, opts.runs_supporters, opts.summary_chats = 20, 200, 30
    return opts


async def test_cost_and_growth_measure_the_real_answers(tmp_path):
    results = {"cost": await sections.cost(tiny(tmp_path)), "growth": await sections.growth(tiny(tmp_path))}

    cost = results["cost"]
    assert set(cost["check"]["bot"]) == set(mix.MIX)
    for command, seen in cost["check"]["bot"].items():
        assert seen["updates"] > 0, command
        assert seen["good"] == seen["replies"] == seen["updates"], (command, seen["bad"])
    assert cost["good_replies_per_rep"] == [{"bot": 120, "floor": 120}] * 2
    assert cost["all_good"]
    assert set(cost["bot_us_per_command"]) == set(mix.MIX)
    growth = results["growth"]
    assert growth["all_good"]
    assert set(growth["sizes"]) == {"1000", "2000"}
    runs = growth["runs"]  # 20 runs (10 open) against one run, 200 supporters in each
    assert (runs["runs"], runs["open"], runs["supporters"]) == (20, 10, 200)
    assert set(runs["ratios"]) == set(runs["us_per_command"]["one run"]) == set(mix.MIX)
    assert growth["runs_ratio"] == max(runs["ratios"].values()) > 0
    assert growth["runs_worst_command"] in mix.MIX
    assert runs["senders_in_one_run"] and runs["questions"] == 0
    assert runs["good_replies_per_rep"] == {"one run": [120, 120], "many runs": [120, 120]}
    assert runs["all_good"]
    summaries = growth["summaries"]  # 30 chats of the 10 open runs, each at its own time, over a day
    assert (summaries["chats"], summaries["runs"], summaries["passes"]) == (30, 10, 1440)
    assert summaries["chats_with_one_summary"] == summaries["of_their_own_run"] == summaries["at_their_own_time"] == 30
    assert summaries["sends_elsewhere"] == 0
    assert growth["summaries_once"] is True

    table = report.table(results)
    for command in mix.MIX:
        assert f"| /{command} |" in table
    assert "| ratio bot/floor |" in table
    assert "| whole mix |" in table
    assert "Not measuring real work" not in table
    names = [t["target"] for t in report.targets(results)]
    assert "cost per update vs bare PTB" in names
    assert "growth 2k/1k /progress" in names
    assert "growth.runs_ratio: 20 runs / one run, 200 supporters (worst: /" in " ".join(names)
    assert "| growth.runs_ratio (the worst: /" in table
    assert "| growth.summaries_once | true | true | ✓ |" in table
    json.dumps(results)  # what --json writes


async def test_an_error_reply_is_not_counted_as_work(tmp_path):
    """On a database without a run every command answers with an error: the check says so."""
    async with BotHarness(tmp_path / "empty.db", Clock(TODAY)) as bot:
        items = mix.build(30, 1_000, bot.updates, random.Random(1))
        updates = common.de_json(items, bot.app.bot)
        checked = await mix.play_checked(bot.app.process_update, bot.api.sent_log, updates)
    assert not checked.all_good
    assert sum(checked.good.values()) == 0
    assert sum(checked.replies.values()) == 30  # each got a reply: the error
    assert "no run yet" in checked.bad_example["progress"]


async def test_a_new_person_among_many_open_runs_is_asked_which_run_and_the_bench_counts_it(tmp_path):
    """Why the many-runs comparison's new people open the Unity Run's link first: without it, half the
    commands (those of new people) get the question, and the bench sees it."""
    source, _ = await data.cached_many_runs_db(200, 20, 10)
    async with BotHarness(data.working_copy(source, tmp_path, "many.db"), Clock(TODAY)) as bot:
        items = common.de_json(mix.build(30, data.senders(200), bot.updates, random.Random(1)), bot.app.bot)
        checked = await mix.play_checked(bot.app.process_update, bot.bench_api.sent_log, items)
    assert sections._questions(bot.bench_api.sent_log) > 0
    assert not checked.all_good


async def test_the_many_runs_database_has_the_unity_run_of_the_one_run_database_and_other_runs(tmp_path):
    one = data.working_copy((await data.cached_db(200))[0], tmp_path, "one.db")
    many = data.working_copy((await data.cached_many_runs_db(200, 20, 10))[0], tmp_path, "many.db")
    unity = (
        "SELECT (SELECT supporters || ' ' || pledged_m || ' ' || logged_m FROM pledge_totals WHERE run_id = 1),"
        " (SELECT COUNT(*) FROM pledges WHERE run_id = 1), (SELECT SUM(metres) FROM logs WHERE run_id = 1),"
        " (SELECT SUM(metres) FROM updates WHERE run_id = 1), (SELECT COUNT(*) FROM supporters)"
    )
    with sqlite3.connect(one) as a, sqlite3.connect(many) as b:
        assert a.execute(unity).fetchone() == b.execute(unity).fetchone()
        assert b.execute("SELECT COUNT(*), SUM(ended_at IS NULL) FROM runs").fetchone() == (20, 10)
        assert b.execute("SELECT COUNT(*) FROM runs WHERE id > 1 AND slug = 'run-' || id").fetchone() == (19,)
        assert b.execute("SELECT COUNT(DISTINCT run_id) FROM organisers").fetchone() == (20,)
        assert b.execute("SELECT COUNT(DISTINCT run_id) FROM pledges").fetchone() == (20,)
        in_runs = b.execute(
            "SELECT runs, COUNT(*) FROM (SELECT COUNT(*) AS runs FROM members WHERE user_id BETWEEN ? AND ?"
            " GROUP BY user_id) GROUP BY runs ORDER BY runs",
            (data.SUPPORTER_BASE + 1, data.SUPPORTER_BASE + 200),
        ).fetchall()
    assert in_runs == [(1, 100), (2, 100)]  # the senders in the Unity Run alone, the others in one more


def _no_work(*args, **kwargs):
    raise AssertionError("the bench started working before its preflight passed")


def test_the_bench_refuses_at_once_naming_a_missing_program_and_how_to_install_it(tmp_path, monkeypatch, capsys):
    """A fresh machine without wrk: `python -m bench` stops before any work, names the section, the program
    and its install command, and exits non-zero (it used to crash in the web section after minutes)."""
    from bench import __main__ as bench_main

    monkeypatch.setenv("PATH", str(tmp_path))  # an empty folder: no wrk on it
    monkeypatch.setattr(bench_main, "round_trip_us", _no_work)
    monkeypatch.setattr(bench_main, "run", _no_work)

    assert bench_main.main(["--sections", "cost,web,chart"]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[:3] == [
        "python -m bench: not started, nothing measured: this machine lacks what a section needs.",
        "  web: the program `wrk` is not installed; it drives the page's JSON with 64 connections from a second"
        " process.",
        "    Install: sudo apt-get install wrk  (Debian, Ubuntu; macOS: brew install wrk)",
    ]
    assert "Or leave it out: python -m bench --sections cost,chart" in err


def test_the_preflight_names_a_missing_python_package_for_every_section(monkeypatch):
    from bench import preflight

    monkeypatch.setattr(preflight, "importable", lambda name: name != "matplotlib")

    message = preflight.refusal(preflight.check(["cost"]), ["cost"])

    assert message is not None
    assert "every section: not installed: the Python package(s) matplotlib;" in message
    assert 'pip install -e ".[test]"' in message


def test_check_lists_each_sections_needs_and_finds_wrk_on_the_path(tmp_path, monkeypatch, capsys):
    from bench import __main__ as bench_main

    wrk = tmp_path / "wrk"
    wrk.write_text("#!/bin/sh\n")
    wrk.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(bench_main, "round_trip_us", _no_work)
    monkeypatch.setattr(bench_main, "run", _no_work)

    assert bench_main.main(["--check", "--sections", "cost,web"]) == 0

    out = capsys.readouterr().out
    assert "  cost           ✓ nothing more than every section" in out
    assert "  web            ✓ the program `wrk`: it drives the page's JSON" in out
    assert "All there" in out
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert bench_main.main(["--check", "--sections", "web"]) == 2
    assert "✗ the program `wrk` is not installed" in capsys.readouterr().out
