"""The benchmark (bench/, `python -m bench`) in its quick mode: it measures real, successful work.

No timing is asserted: only that the sections produce their rows, and that every update the bench
played got the reply a user would get (not an error, a refusal or nothing)."""

from __future__ import annotations

import json
import random

from bench import mix, report, sections
from bench.data import TODAY
from bench.harness import BotHarness
from bot.demo.simulator import Clock


def tiny(tmp_path) -> sections.Options:
    opts = sections.Options.quick()
    opts.workdir = tmp_path
    opts.reps = 2
    opts.cost_updates = opts.check_updates = opts.growth_updates = 120
    opts.growth_sizes = (1_000, 2_000)
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
    assert results["growth"]["all_good"]
    assert set(results["growth"]["sizes"]) == {"1000", "2000"}

    table = report.table(results)
    for command in mix.MIX:
        assert f"| /{command} |" in table
    assert "| ratio bot/floor |" in table
    assert "| whole mix |" in table
    assert "Not measuring real work" not in table
    names = [t["target"] for t in report.targets(results)]
    assert "cost per update vs bare PTB" in names
    assert "growth 2k/1k /progress" in names
    json.dumps(results)  # what --json writes


async def test_an_error_reply_is_not_counted_as_work(tmp_path):
    """On a database without a run every command answers with an error: the check says so."""
    async with BotHarness(tmp_path / "empty.db", Clock(TODAY)) as bot:
        items = mix.build(30, 1_000, bot.updates, random.Random(1))
        updates = sections._de_json(items, bot.app.bot)
        checked = await mix.play_checked(bot.app.process_update, bot.api.sent_log, updates)
    assert not checked.all_good
    assert sum(checked.good.values()) == 0
    assert sum(checked.replies.values()) == 30  # each got a reply: the error
    assert "no run yet" in checked.bad_example["progress"]
