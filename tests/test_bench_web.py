"""The bench's web and chart sections on tiny sizes: real work measured (no timing asserted), and their rows.

wrk itself is not run here (bench/web_load.py's parsing has its own test); the steady load on the page
and the summary with its chart are."""

from __future__ import annotations

import json

from bench import report, sections, web_sections


def tiny(tmp_path) -> sections.Options:
    opts = sections.Options.quick()
    opts.workdir = tmp_path
    opts.reps = 2
    opts.cost_updates = opts.check_updates = 120
    opts.web_block = 60
    opts.web_load_rate = 100
    opts.chart_chats = 300
    opts.chart_renders = 1
    return opts


async def test_the_summary_goes_with_its_chart_to_every_chat_uploaded_once_a_pass(tmp_path):
    chart = await sections.chart(tiny(tmp_path))

    assert chart["photos_per_rep"] == [300, 300]  # every chat got the summary as a photo
    assert chart["uploads_per_rep"] == [1, 1]  # the chart was uploaded once, then sent by its file id
    assert chart["all_good"] and chart["render_ms"] > 0
    table = report.table({"chart": chart})
    assert "| uploads of the chart per pass | 1 | 1 | ✓ |" in table
    assert "daily summary with its chart to 300 chats" in table
    json.dumps(chart)


async def test_the_bots_cost_is_measured_with_and_without_a_steady_load_on_its_page(tmp_path):
    found = await web_sections._update_cost_under_load(tiny(tmp_path))

    assert found["cost_check_all_good"] and found["cost_page_ok"]  # real replies, a real page
    assert found["load"]["errors"] == 0 and found["load"]["ok"] > 0  # the page answered the load
    assert len(found["update_cost_ratios"]) == 2 and all(r > 0 for r in found["update_cost_ratios"])
    assert set(found["cpu_us_per_update"]) == {"quiet", "loaded", "quiet_kernel", "loaded_kernel"}


def test_the_web_rows_mark_each_target():
    web = {"requests_per_s": 15_984, "p99_ms": 7.8, "errors": 0, "connections": 64, "duration_s": 20,
           "demo_covered_m": 409_000, "update_cost_ratio": 1.53, "update_cpu_ratio": 1.58,
           "quiet_us_per_update": 317.0, "loaded_us_per_update": 491.0, "load_rate_asked": 500.0,
           "load_rate_served": 499.2, "load_p99_ms": 15.8, "all_good": True,
           "cpu_us_per_update": {"quiet": 290.0, "loaded": 462.0,
                                 "quiet_kernel": 26.0, "loaded_kernel": 66.0}}  # fmt: skip
    table = report.table({"web": web})
    assert "| web.requests_per_s | 15,984 | ≥ 3,000 | ✓ |" in table
    assert "| web.p99_ms | 7.8 ms | ≤ 50 ms | ✓ |" in table
    assert "| web.update_cost_ratio | 1.53x | ≤ 1.3x | ✗ |" in table
    missed = [t["target"] for t in report.targets({"web": web}) if not t["ok"]]
    assert missed == ["web: cost per update while the page is read"]
