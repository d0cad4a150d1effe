"""`python -m bot demo --serve`: the demo played, then its live page served by the real application."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
ADDRESS = re.compile(r"The demo's live page: (http://127\.0\.0\.1:\d+/)")


def start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--quiet", "--serve", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def address_of(process: subprocess.Popen[str], within_s: float = 60) -> tuple[str, list[str]]:
    """Read the demo's output until it prints the page's address (a thread, so a silent process cannot hang us)."""
    lines: list[str] = []
    found: list[str] = []
    printed = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if match := ADDRESS.search(line):
                found.append(match[1])
                printed.set()
        printed.set()

    threading.Thread(target=read, daemon=True).start()
    printed.wait(within_s)
    if not found:
        process.kill()
        errors = process.stderr.read() if process.stderr else ""
        raise AssertionError(f"no address printed:\n{''.join(lines)}\n{errors}")
    return found[0], lines


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    process = start(tmp_path, "--port", "0")
    yield process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_demo_serve_prints_the_address_serves_the_final_figures_and_stops_cleanly_on_ctrl_c(demo):
    url, lines = address_of(demo)

    [entry] = httpx.get(url + "api/runs.json", timeout=10).json()["past"]  # the demo's run has ended
    page = httpx.get(url + entry["page"].lstrip("/") + "/run.json", timeout=10).json()
    old_address = httpx.get(url + "api/run.json", timeout=10).json()
    index = httpx.get(url, timeout=10)
    html = httpx.get(url + entry["page"].lstrip("/"), timeout=10)
    demo.send_signal(signal.SIGINT)

    assert "Finished: 409 km of the planned 416 km" in "".join(lines)  # the demo was played first
    assert page["run"]["title"] == "The Unity Run" and page["run"]["stage"] == "ended"
    assert (page["progress"]["covered_m"], page["run"]["distance_m"]) == (409_000, 416_000)
    assert page["updates"][0]["note"].startswith("Statue of Unity!")
    assert old_address == page  # old links: the newest run
    assert index.status_code == 200 and 'href="r/the-unity-run"' in index.text
    assert html.status_code == 200 and "<title>The Unity Run · live</title>" in html.text
    assert demo.wait(timeout=20) == 0
    assert "Traceback" not in (demo.stderr.read() if demo.stderr else "")


def test_demo_serve_stops_cleanly_on_sigterm(demo):
    url, _ = address_of(demo)
    assert httpx.get(url + "api/run.json", timeout=10).json()["progress"]["covered_m"] == 409_000
    demo.send_signal(signal.SIGTERM)
    assert demo.wait(timeout=20) == 0


def test_a_port_in_use_is_said_plainly(tmp_path, demo):
    url, _ = address_of(demo)
    taken = url.rsplit(":", 1)[1].strip("/")
    second = start(tmp_path, "--port", taken)
    _, err = second.communicate(timeout=60)
    assert second.returncode == 2
    assert f"Could not serve the live page on port {taken}" in err and "Traceback" not in err
