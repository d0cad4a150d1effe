"""What each section of `python -m bench` needs from the machine, checked before any work.

`python -m bench` checks the sections it is about to run and, when anything is missing, stops at once
(exit code 2, nothing measured) with one line per section and missing thing, and how to install it:
a section must never fail for want of a program after minutes of work. `python -m bench --check`
prints the whole list and runs nothing. Standard library only, so it answers even when the bot's own
packages are not installed yet.

The web section's load comes from `wrk` (a program in C, from a second process): a load generator in
Python on the same few CPUs would measure itself, not the page, so wrk is required, not replaced.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

PIP_INSTALL = 'pip install -e ".[test]"  (from the repository, in its virtual environment)'


@dataclass(frozen=True)
class Need:
    """One thing a section needs: `missing()` names what of it this machine lacks (nothing: it is there)."""

    what: str  # "the program `wrk`"
    why: str  # what the section does with it
    install: str  # how to get it
    missing: Callable[[], list[str]]
    absent: str = "{what} is not installed"  # the refusal's words, given what is missing ({names})

    def lacking(self, names: Sequence[str]) -> str:
        return self.absent.format(what=self.what, names=", ".join(names))


def program(name: str, why: str, install: str) -> Need:
    return Need(f"the program `{name}`", why, install, lambda: [] if shutil.which(name) else [name])


def importable(name: str) -> bool:
    """Whether `import name` would find it (without importing it)."""
    return importlib.util.find_spec(name) is not None


def packages(names: Sequence[str], why: str) -> Need:
    """Python packages, by the name they are imported under."""

    def missing() -> list[str]:
        return [name for name in names if not importable(name)]

    what = f"the Python package{'s' if len(names) > 1 else ''} {', '.join(names)}"
    return Need(what, why, PIP_INSTALL, missing, absent="not installed: the Python package(s) {names}")


def linux(what: str, why: str, present: Callable[[], bool], install: str = "run the bench on Linux") -> Need:
    """Something only Linux (or Unix) has: no install helps but running the bench there."""
    return Need(what, why, install, lambda: [] if present() else [what], absent="{what} is not there")


def linux_proc(why: str) -> Need:
    return linux("Linux's /proc", why, Path("/proc/self/status").exists)


# What every section imports: the bot itself (its handlers, storage, jobs, page and files) and the
# packages pyproject.toml installs with it.
BOT_PACKAGES = (
    "telegram", "apscheduler", "aiolimiter", "aiosqlite", "dotenv", "starlette", "uvicorn", "httptools",
    "numpy", "gpxpy", "garmin_fit_sdk", "matplotlib", "httpx",
)  # fmt: skip
EVERY_SECTION = (packages(BOT_PACKAGES, "the bot and the bench import them"),)

WRK = program(
    "wrk",
    "it drives the page's JSON with 64 connections from a second process",
    "sudo apt-get install wrk  (Debian, Ubuntu; macOS: brew install wrk)",
)

NEEDS: dict[str, tuple[Need, ...]] = {
    "cost": (),
    "burst": (),
    "growth": (),
    "broadcast": (linux_proc("the summary's worker process reads its memory there (VmHWM)"),),
    "startup": (linux_proc("the idle bot's memory is read there (VmRSS)"),),
    "files": (
        linux_proc("the reading child's peak memory is read there (VmHWM)"),
        linux(
            "Python's resource module",
            "the bounded reading child caps its memory and CPU time with setrlimit",
            lambda: importable("resource"),
        ),
    ),
    "web": (WRK,),
    "chart": (linux_proc("the summary's worker process reads its memory there (VmHWM)"),),
}
ONE_CPU = linux(
    "os.sched_setaffinity",
    "--one-cpu pins the bench and its children to one CPU",
    lambda: hasattr(os, "sched_setaffinity"),
    install="run the bench on Linux, or leave out --one-cpu",
)


@dataclass(frozen=True)
class Finding:
    section: str  # a section's name, "every section", or "--one-cpu"
    need: Need
    missing: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.missing


def check(sections: Sequence[str], one_cpu: bool = False) -> list[Finding]:
    """What the given sections (and --one-cpu) need, each found or not, in the order they run."""
    wanted: list[tuple[str, Need]] = [("every section", need) for need in EVERY_SECTION]
    wanted += [(name, need) for name in sections for need in NEEDS[name]]
    if one_cpu:
        wanted.append(("--one-cpu", ONE_CPU))
    return [Finding(section, need, tuple(need.missing())) for section, need in wanted]


def refusal(findings: Sequence[Finding], sections: Sequence[str]) -> str | None:
    """The message that stops the bench before any work, or None when nothing is missing."""
    missing = [f for f in findings if not f.ok]
    if not missing:
        return None
    lines = ["python -m bench: not started, nothing measured: this machine lacks what a section needs."]
    for f in missing:
        lines.append(f"  {f.section}: {f.need.lacking(f.missing)}; {f.need.why}.")
        lines.append(f"    Install: {f.need.install}")
    lacking = {f.section for f in missing}
    others = [name for name in sections if name not in lacking]
    if others and not lacking & {"every section", "--one-cpu"}:
        them = "it" if len(lacking) == 1 else "them"
        lines.append(f"Or leave {them} out: python -m bench --sections {','.join(others)}")
    lines.append("python -m bench --check lists what every section needs, and runs nothing.")
    return "\n".join(lines)


def report(findings: Sequence[Finding], sections: Sequence[str]) -> str:
    """`--check`: each section's needs, found (✓) or missing (✗, and how to install it)."""
    names = ["every section", *sections, *(["--one-cpu"] if any(f.section == "--one-cpu" for f in findings) else [])]
    width = max(len(name) for name in names)
    lines = ["What each section of the bench needs, and whether this machine has it:"]
    for name in names:
        mine = [f for f in findings if f.section == name]
        if not mine:
            lines.append(f"  {name:<{width}}  ✓ nothing more than every section")
        for f in mine:
            if f.ok:
                lines.append(f"  {name:<{width}}  ✓ {f.need.what}: {f.need.why}")
            else:
                lines.append(f"  {name:<{width}}  ✗ {f.need.lacking(f.missing)}; {f.need.why}")
                lines.append(f"  {'':<{width}}    Install: {f.need.install}")
    missing = sum(not f.ok for f in findings)
    lines.append("All there: python -m bench can run these sections." if not missing
                 else f"{missing} missing: python -m bench would stop before any work.")  # fmt: skip
    return "\n".join(lines)
