"""The results as a markdown table (with a ✓/✗ per target) and as the rows of the JSON."""

from __future__ import annotations

from typing import Any

from bench import mix

COST_RATIO = 3.0  # the bot's cost per update against the bare PTB floor, at most
BURST_RATIO = 1.15  # time to answer a burst against the time Telegram's limits alone need, at most
BYSTANDER_P99_S = 1.0  # a private reply's time while one group floods the bot, at most
GROWTH_RATIO = 1.5  # a command's cost on the largest database against the smallest, at most
RUNS_RATIO = 1.5  # the worst command's cost on 1,000 runs against one run of as many supporters, at most
BROADCAST_RATE = 2000  # messages a second, at least
BROADCAST_GROWTH_MB = 50  # memory from the smallest to the largest broadcast, less than
FILE_READ_S = 1.0  # reading a 100k-point GPX or FIT activity, at most
HOSTILE_S = 2.0  # the slowest refusal of a hostile file, at most
PLACE_MS = 1.0  # placing a position on a 5,000-point route, at most
WEB_RPS = 3000  # the live page's JSON under 64 connections: requests a second, at least
WEB_P99_MS = 50  # and its p99, at most
WEB_UPDATE_COST_RATIO = 1.3  # the bot's cost per update while the page is read at a steady rate, at most
CHART_RATE = 2000  # the daily summary with its chart: messages a second, at least (and one upload)


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k" if n >= 1000 else str(n)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target: what, the measured value, the limit, met or not."""
    found = []
    if "cost" in results:
        c = results["cost"]
        found.append({"target": "cost per update vs bare PTB", "value": c["ratio"], "limit": f"≤ {COST_RATIO}x",
                      "ok": c["ratio"] <= COST_RATIO})  # fmt: skip
    if "burst" in results:
        b = results["burst"]
        found.append({"target": "burst drain vs Telegram's limits", "value": b["ratio"], "limit": f"≤ {BURST_RATIO}x",
                      "ok": b["ratio"] <= BURST_RATIO})  # fmt: skip
        found.append({"target": "bystander p99 during a group flood", "value": b["bystander_p99_s"],
                      "limit": f"≤ {BYSTANDER_P99_S} s", "ok": b["bystander_p99_s"] <= BYSTANDER_P99_S})  # fmt: skip
    if "growth" in results:
        g = results["growth"]
        for command, ratio in g["ratio_largest_to_smallest"].items():
            found.append({"target": f"growth {_size(g['largest'])}/{_size(g['smallest'])} /{command}", "value": ratio,
                          "limit": f"≤ {GROWTH_RATIO}x", "ok": ratio <= GROWTH_RATIO})  # fmt: skip
        if "runs" in g:
            r = g["runs"]
            found.append({"target": f"growth.runs_ratio: {r['runs']:,} runs / one run, {_size(r['supporters'])}"
                          f" supporters (worst: /{g['runs_worst_command']})", "value": g["runs_ratio"],
                          "limit": f"≤ {RUNS_RATIO}x", "ok": g["runs_ratio"] <= RUNS_RATIO})  # fmt: skip
        if "summaries" in g:
            found.append({"target": f"growth.summaries_once: {g['summaries']['chats']:,} chats of"
                          f" {g['summaries']['runs']} runs, one summary each", "value": g["summaries_once"],
                          "limit": "true", "ok": g["summaries_once"] is True})  # fmt: skip
    if "broadcast" in results:
        b = results["broadcast"]
        for chats, r in b["sizes"].items():
            rate = r["messages_per_s"]
            found.append({"target": f"broadcast to {_size(int(chats))} chats", "value": rate,
                          "limit": f"≥ {BROADCAST_RATE} msg/s", "ok": rate >= BROADCAST_RATE})  # fmt: skip
        found.append({"target": f"broadcast memory {_size(b['smallest'])} → {_size(b['largest'])}",
                      "value": b["memory_growth_mb"], "limit": f"< {BROADCAST_GROWTH_MB} MB",
                      "ok": b["memory_growth_mb"] < BROADCAST_GROWTH_MB})  # fmt: skip
    if "files" in results:
        f = results["files"]
        for kind in ("gpx", "fit"):
            found.append({"target": f"read a {_size(f['points'])}-point {kind.upper()}", "value": f[f"{kind}_s"],
                          "limit": f"≤ {FILE_READ_S:g} s", "ok": f[f"{kind}_s"] <= FILE_READ_S})  # fmt: skip
        found.append({"target": "slowest hostile file refused", "value": f["hostile_max_s"],
                      "limit": f"≤ {HOSTILE_S:g} s", "ok": f["hostile_max_s"] <= HOSTILE_S})  # fmt: skip
        found.append({"target": "place a position on a 5,000-point route", "value": f["route"]["place_ms"],
                      "limit": f"≤ {PLACE_MS:g} ms", "ok": f["route"]["place_ms"] <= PLACE_MS})  # fmt: skip
    if "web" in results:
        w = results["web"]
        found.append({"target": "web: JSON requests/s (64 connections)", "value": w["requests_per_s"],
                      "limit": f"≥ {WEB_RPS}", "ok": w["requests_per_s"] >= WEB_RPS})  # fmt: skip
        found.append({"target": "web: JSON p99", "value": w["p99_ms"], "limit": f"≤ {WEB_P99_MS} ms",
                      "ok": w["p99_ms"] <= WEB_P99_MS})  # fmt: skip
        found.append({"target": "web: cost per update while the page is read", "value": w["update_cost_ratio"],
                      "limit": f"≤ {WEB_UPDATE_COST_RATIO}x",
                      "ok": w["update_cost_ratio"] <= WEB_UPDATE_COST_RATIO})  # fmt: skip
    if "chart" in results:
        c = results["chart"]
        found.append({"target": f"chart: summary with its chart to {_size(c['chats'])} chats",
                      "value": c["messages_per_s"], "limit": f"≥ {CHART_RATE} msg/s",
                      "ok": c["messages_per_s"] >= CHART_RATE})  # fmt: skip
        found.append({"target": "chart: uploads per summary pass", "value": c["uploads"], "limit": "1",
                      "ok": c["uploads"] == 1})  # fmt: skip
    for name, section in results.items():
        if isinstance(section, dict) and "all_good" in section:
            found.append({"target": f"{name}: every reply was the real answer", "value": section["all_good"],
                          "limit": "all", "ok": section["all_good"]})  # fmt: skip
    return found


def table(results: dict[str, Any]) -> str:
    out = []
    if "cost" in results:
        c = results["cost"]
        out += [
            f"### Cost per update ({c['updates']:,} updates, median of {c['reps']}, "
            f"{_size(c['supporters_in_db'])} supporters in the database)",
            "",
            "| | updates/s | µs/update | target | |",
            "|---|---:|---:|---|---|",
            f"| bare PTB (floor) | {c['floor_updates_per_s']:,.0f} | {c['floor_us_per_update']:,.0f} | | |",
            f"| the bot | {c['bot_updates_per_s']:,.0f} | {1e6 / c['bot_updates_per_s']:,.0f} | | |",
            f"| ratio bot/floor | {c['ratio']:.2f}x | | ≤ {COST_RATIO}x | {_mark(c['ratio'] <= COST_RATIO)} |",
            "",
            "| command | share | µs/update |",
            "|---|---:|---:|",
            *(f"| /{cmd} | {mix.MIX[cmd]}% | {us:,.0f} |" for cmd, us in c["bot_us_per_command"].items()),
            "",
        ]
    if "burst" in results:
        b = results["burst"]
        ok, by_ok = b["ratio"] <= BURST_RATIO, b["bystander_p99_s"] <= BYSTANDER_P99_S
        out += [
            "### Burst and bystander (the polling loop, the production rate limiter, "
            f"a Bot API that answers after {b['api_latency_s'] * 1000:.0f} ms)",
            "",
            "| | figure | target | |",
            "|---|---:|---|---|",
            f"| burst: {b['updates']:,} updates from as many users in {b['groups']} groups and private chats | | | |",
            f"| time to answer them all (drain) | {b['drain_s']:.1f} s | | |",
            f"| time Telegram's limits alone need (floor) | {b['floor_s']:.1f} s | | |",
            f"| drain / floor | {b['ratio']:.2f}x | ≤ {BURST_RATIO}x | {_mark(ok)} |",
            f"| time to reply, p50 / p99 | {b['p50_s']:.1f} / {b['p99_s']:.1f} s | | |",
            f"| bystander: {b['private']} private /progress while {b['flood']} commands flood one group | | | |",
            f"| private time to reply, p50 | {b['bystander_p50_s'] * 1000:.0f} ms | | |",
            f"| private time to reply, p99 | {b['bystander_p99_s'] * 1000:.0f} ms | ≤ {BYSTANDER_P99_S:.0f} s"
            f" | {_mark(by_ok)} |",
            f"| the flood's replies meanwhile (its group's limit) | {b['flood_replied_meanwhile']} | | |",
            "",
        ]
    if "growth" in results:
        g = results["growth"]
        sizes = list(g["sizes"])
        head = " | ".join(_size(int(s)) for s in sizes)
        ratio_name = f"{_size(g['largest'])}/{_size(g['smallest'])}"
        out += [
            f"### Growth with data (µs/update, {g['updates']:,} updates, median of {g['reps']})",
            "",
            f"| command | {head} | {ratio_name} | target | |",
            "|---|" + "---:|" * (len(sizes) + 1) + "---|---|",
        ]
        for cmd, ratio in g["ratio_largest_to_smallest"].items():
            cells = " | ".join(f"{g['sizes'][s]['us_per_command'][cmd]:,.0f}" for s in sizes)
            out.append(f"| /{cmd} | {cells} | {ratio:.2f}x | ≤ {GROWTH_RATIO}x | {_mark(ratio <= GROWTH_RATIO)} |")
        cells = " | ".join(f"{g['sizes'][s]['updates_per_s']:,.0f}/s" for s in sizes)
        out += [
            f"| whole mix | {cells} | | | |",
            "",
            f"The sizes take turns within each repetition; {ratio_name} is the median of the per-repetition ratios.",
            "",
        ]
        if "runs" in g:
            out += runs_table(g)
        if "summaries" in g:
            out += summaries_table(g["summaries"])
    if "broadcast" in results:
        b = results["broadcast"]
        out += [
            "### Broadcast of the daily summary (rate limits lifted)",
            "",
            "| chats | msg/s | seconds | RSS growth | reps | target | |",
            "|---:|---:|---:|---:|---:|---|---|",
        ]
        for chats, r in b["sizes"].items():
            ok = r["messages_per_s"] >= BROADCAST_RATE
            out.append(
                f"| {int(chats):,} | {r['messages_per_s']:,.0f} | {r['seconds']:.1f} | {r['rss_growth_mb']:.1f} MB"
                f" | {r['reps']} | ≥ {BROADCAST_RATE:,} msg/s | {_mark(ok)} |"
            )
        ok = b["memory_growth_mb"] < BROADCAST_GROWTH_MB
        out += [
            f"| memory {_size(b['smallest'])} → {_size(b['largest'])} | | | +{b['memory_growth_mb']:.1f} MB | |"
            f" < {BROADCAST_GROWTH_MB} MB | {_mark(ok)} |",
            "",
            "Each size in a process of its own; RSS growth: its high-water mark less its RSS before the first pass."
            f" Repetitions (up to {b['max_reps']}) stop starting once a size has taken {b['budget_s']:.0f} s.",
            "",
        ]
    if "startup" in results:
        s = results["startup"]
        out += [
            f"### Start-up of `python -m bot` (median of {s['starts']})",
            "",
            "| to first getUpdates | idle RSS |",
            "|---:|---:|",
            f"| {s['seconds_to_first_get_updates']:.2f} s | {s['idle_rss_mb']:.1f} MB |",
            "",
        ]
    if "files" in results:
        out += files_table(results["files"])
    if "web" in results:
        w = results["web"]
        rps_ok, p99_ok = w["requests_per_s"] >= WEB_RPS, w["p99_ms"] <= WEB_P99_MS
        ratio_ok = w["update_cost_ratio"] <= WEB_UPDATE_COST_RATIO
        cpu = w["cpu_us_per_update"]
        out += [
            "### The live page (the real application, one process and one event loop with the bot)",
            "",
            "| | figure | target | |",
            "|---|---:|---|---|",
            f"| JSON of the demo's run under wrk, {w['connections']} connections, {w['duration_s']} s | | | |",
            f"| web.requests_per_s | {w['requests_per_s']:,.0f} | ≥ {WEB_RPS:,} | {_mark(rps_ok)} |",
            f"| web.p99_ms | {w['p99_ms']:.1f} ms | ≤ {WEB_P99_MS} ms | {_mark(p99_ok)} |",
            f"| bot's cost per update, quiet | {w['quiet_us_per_update']:,.0f} µs | | |",
            f"| the same while the page is read at {w['load_rate_served']:,.0f}/s (asked {w['load_rate_asked']:,.0f}/s,"
            f" p99 {w['load_p99_ms']:.1f} ms) | {w['loaded_us_per_update']:,.0f} µs | | |",
            f"| web.update_cost_ratio | {w['update_cost_ratio']:.2f}x | ≤ {WEB_UPDATE_COST_RATIO}x"
            f" | {_mark(ratio_ok)} |",
            f"| the same in the bot process's CPU time | {w['update_cpu_ratio']:.2f}x | | |",
            f"| its CPU µs/update quiet / loaded, of which in the kernel | {cpu['quiet']:,.0f} / {cpu['loaded']:,.0f},"
            f" {cpu['quiet_kernel']:,.0f} / {cpu['loaded_kernel']:,.0f} | | |",
            "",
        ]
    if "chart" in results:
        c = results["chart"]
        rate_ok, upload_ok = c["messages_per_s"] >= CHART_RATE, c["uploads"] == 1
        out += [
            "### The chart",
            "",
            "| | figure | target | |",
            "|---|---:|---|---|",
            f"| chart.render_ms (median of {len(c['renders_ms'])}) | {c['render_ms']:.0f} ms | | |",
            f"| daily summary with its chart to {c['chats']:,} chats (median of {c['reps']}) |"
            f" {c['messages_per_s']:,.0f} msg/s | ≥ {CHART_RATE:,} msg/s | {_mark(rate_ok)} |",
            f"| uploads of the chart per pass | {c['uploads']} | 1 | {_mark(upload_ok)} |",
            "",
            "Each pass draws the chart anew and uploads it; the other chats get Telegram's file id.",
            "",
        ]
    bad = [t["target"] for t in targets(results) if t["limit"] == "all" and not t["ok"]]
    if bad:
        out += [f"**Not measuring real work** (a reply was an error or missing): {', '.join(bad)}", ""]
    return "\n".join(out)


def runs_table(g: dict[str, Any]) -> list[str]:
    """Growth with runs: each command on many runs against one run of as many supporters."""
    r = g["runs"]
    one, many = r["us_per_command"]["one run"], r["us_per_command"]["many runs"]
    worst, ratio = g["runs_worst_command"], g["runs_ratio"]
    return [
        f"### Growth with runs (µs/update, {g['updates']:,} updates, median of {g['reps']}):"
        f" {r['runs']:,} runs ({r['open']} open) against one run, {_size(r['supporters'])} supporters in each",
        "",
        f"| command | one run | {r['runs']:,} runs | ratio | target | |",
        "|---|---:|---:|---:|---|---|",
        *(f"| /{c} | {one[c]:,.0f} | {many[c]:,.0f} | {x:.2f}x | ≤ {RUNS_RATIO}x | {_mark(x <= RUNS_RATIO)} |"
          for c, x in r["ratios"].items()),
        f"| growth.runs_ratio (the worst: /{worst}) | | | {ratio:.2f}x | ≤ {RUNS_RATIO}x"
        f" | {_mark(ratio <= RUNS_RATIO)} |",
        f"| whole mix | {r['updates_per_s']['one run']:,.0f}/s | {r['updates_per_s']['many runs']:,.0f}/s | | | |",
        "",
        "The two databases take turns within each repetition; a ratio is the one of the median costs."
        f" The commands come from {r['senders']:,} supporters in the Unity Run alone and {r['newcomers']:,} new"
        f" people who opened its link; replies that asked which run: {r['questions']}.",
        "",
    ]  # fmt: skip


def summaries_table(s: dict[str, Any]) -> list[str]:
    """The daily summaries of many runs over a simulated day."""
    chats = s["chats"]
    return [
        f"### Daily summaries of many runs (the real job once a simulated minute, {s['passes']:,} passes)",
        "",
        "| | figure | target | |",
        "|---|---:|---|---|",
        f"| chats: across {s['runs']} runs, in {s['zones']} time zones, at {s['local_times']} local times"
        f" | {chats:,} | | |",
        f"| each got one summary / of its own run / at its own time | {s['chats_with_one_summary']:,} /"
        f" {s['of_their_own_run']:,} / {s['at_their_own_time']:,} | {chats:,} | {_mark(s['all_good'])} |",
        f"| growth.summaries_once | {str(s['once']).lower()} | true | {_mark(s['once'])} |",
        f"| the day's passes, all together | {s['passes_s']:.1f} s | | |",
        f"| a pass that sent ({s['passes_sending']}), median / max | {s['sending_pass_median_ms']:,.0f} /"
        f" {s['sending_pass_max_ms']:,.0f} ms | | |",
        f"| a pass with nothing due, median | {s['idle_pass_median_ms']:.1f} ms | | |",
        f"| messages sent / charts uploaded | {s['sends']:,} / {s['chart_uploads']:,} | | |",
        "",
    ]


def files_table(f: dict[str, Any]) -> list[str]:
    """Activity files and the route: the rows of the table."""
    gpx_ok, fit_ok = f["gpx_s"] <= FILE_READ_S, f["fit_s"] <= FILE_READ_S
    hostile_ok, place_ok = f["hostile_max_s"] <= HOSTILE_S, f["route"]["place_ms"] <= PLACE_MS
    return [
        f"### Activity files and the route ({_size(f['points'])} points a file, median of {f['repeats']})",
        "",
        "| | figure | target | |",
        "|---|---:|---|---|",
        f"| read the GPX (CPU) | {f['gpx_s']:.2f} s ({f['gpx_cpu_s']:.2f} s) | ≤ {FILE_READ_S:g} s | {_mark(gpx_ok)} |",
        f"| read the FIT (CPU) | {f['fit_s']:.2f} s ({f['fit_cpu_s']:.2f} s) | ≤ {FILE_READ_S:g} s | {_mark(fit_ok)} |",
        f"| peak memory of the reading child (GPX / FIT / bare) | {f['gpx_peak_mb']:.0f} / {f['fit_peak_mb']:.0f} /"
        f" {f['child_base_mb']:.0f} MB | | |",
        f"| the GPX through the bounded child, start included | {f['gpx_bounded_s']:.2f} s | | |",
        *(f"| refused: {name} | {seconds:.2f} s | | |" for name, seconds in f["hostile_s"].items()),
        f"| slowest refusal | {f['hostile_max_s']:.2f} s | ≤ {HOSTILE_S:g} s | {_mark(hostile_ok)} |",
        f"| place a position on a 5,000-point route, mean / p99 | {f['route']['place_ms']:.3f} /"
        f" {f['route']['place_p99_ms']:.3f} ms | ≤ {PLACE_MS:g} ms | {_mark(place_ok)} |",
        "",
    ]
