"""The load: a realistic mix of commands from many distinct users, and the checks that each reply is
the real answer (not an error or a refusal), so the bench measures work that succeeded."""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench.data import RUN_DAYS, SUPPORTER_BASE, epoch
from bench.harness import ANKITA, MILIND
from bot.demo.simulator import Person, Updates

# command -> share of the updates, in percent
MIX = {"progress": 40, "today": 20, "log": 15, "pledge": 10, "supporters": 10, "update": 5}
NEW_USER_BASE = 30_000_000  # users who are not in the generated data yet
LOG_TEXTS = ("/log 5", "/log 3.2 Evening walk", "/log 800m", "/log 7 km with the office team", "/log 2.5")
PLEDGE_TEXTS = ("/pledge", "/pledge 10%", "/pledge 12.5%", "/pledge 20 km", "/pledge 25%")
UPDATE_TEXTS = ("/update 0.1 Water break", "/update 0.2", "/update 0.1 Through the village")

# What the successful reply of each command says (an error or a refusal says none of these).
EXPECTED: dict[str, re.Pattern[str]] = {
    "progress": re.compile(r"Unity Run.*Day 8 of 8.*km", re.DOTALL),
    "today": re.compile(r"day 8\n.*🏃", re.DOTALL),
    "log": re.compile(r"^✅ Logged <b>"),
    "pledge": re.compile(r"You pledged <b>|your pledge (changed|stays)"),
    "supporters": re.compile(r"Supporters of .*🏆 Top supporters", re.DOTALL),
    "update": re.compile(r"^✅ Posted <b>"),
}
FLOOR = re.compile(r"^Thanks, noted\.$")


@dataclass(frozen=True)
class Item:
    command: str
    payload: dict[str, Any]


def commands(n: int, rng: random.Random) -> list[str]:
    """n commands in MIX's proportions, shuffled."""
    names = [name for name, share in MIX.items() for _ in range(round(n * share / 100))]
    while len(names) < n:
        names.append("progress")
    rng.shuffle(names)
    return names[:n]


def build(n: int, supporters: int, updates: Updates, rng: random.Random) -> list[Item]:
    """n update payloads (fresh update ids) from many users: half of the supporters' commands come
    from generated supporters, half from people new to the bot; /update from the two runners,
    dated on the run's earlier days (so /today's list stays the size of a real day)."""
    items = []
    for command in commands(n, rng):
        if command == "update":
            runner = MILIND if rng.random() < 0.7 else ANKITA
            payload = updates.text(runner, rng.choice(UPDATE_TEXTS))
            payload["message"]["date"] = epoch(rng.randint(1, RUN_DAYS - 1), 6 + rng.random() * 10)
        else:
            user_id = (
                SUPPORTER_BASE + rng.randint(1, supporters)
                if rng.random() < 0.5
                else NEW_USER_BASE + rng.randint(1, 10 * n)
            )
            person = Person(user_id, f"Fan{user_id % 100_000}")
            text = {"log": LOG_TEXTS, "pledge": PLEDGE_TEXTS}.get(command, (f"/{command}",))
            payload = updates.text(person, rng.choice(text))
        items.append(Item(command, payload))
    return items


@dataclass
class Checked:
    """Per command: updates played, replies sent, replies that were the real answer; one bad example."""

    updates: Counter[str]
    replies: Counter[str]
    good: Counter[str]
    bad_example: dict[str, str]

    @property
    def all_good(self) -> bool:
        return all(self.good[c] == n for c, n in self.updates.items()) and all(
            self.replies[c] == n for c, n in self.updates.items()
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            c: {"updates": n, "replies": self.replies[c], "good": self.good[c], "bad": self.bad_example.get(c)}
            for c, n in self.updates.items()
        }


async def play_checked(
    process: Callable[[Any], Awaitable[Any]],
    sent_log: list[tuple[str, int | None, str]],
    items: list[tuple[str, Any]],
    expect: re.Pattern[str] | None = None,
) -> Checked:
    """Play each update, read the replies it caused, check them against the command's EXPECTED (or `expect`)."""
    checked = Checked(Counter(), Counter(), Counter(), {})
    for command, update in items:
        before = len(sent_log)
        await process(update)
        replies = [text for method, _, text in sent_log[before:] if method == "sendMessage"]
        checked.updates[command] += 1
        checked.replies[command] += len(replies)
        pattern = expect or EXPECTED[command]
        if len(replies) == 1 and pattern.search(replies[0]):
            checked.good[command] += 1
        elif command not in checked.bad_example:
            checked.bad_example[command] = " | ".join(replies)[:300] or "(no reply)"
    return checked
