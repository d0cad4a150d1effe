"""`python -m bot inspect FILE [--route] [--json]`: what the bot reads from a file, through its own bounded readers."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.demo import files as demo_files
from bot.files.inspect import NO_FILE, READ, REFUSED, inspect_file
from bot.files.safe_gpx import MAX_FILE_BYTES
from tests.activity_makers import START, Total, fit, gpx, run


def inspect(path: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    status = inspect_file(path, route="--route" in args, as_json="--json" in args, out=out)
    return status, out.getvalue()


@pytest.fixture
def watch_fit(tmp_path: Path) -> Path:
    """A 5 km run whose watch says 5.25 km."""
    points = run(5_000)
    path = tmp_path / "watch.fit"
    path.write_bytes(fit(points, sessions=[Total(START, 2_000, 5_250)]))
    return path


@pytest.fixture
def route_gpx(tmp_path: Path) -> Path:
    path = tmp_path / "unity.gpx"
    path.write_bytes(demo_files.unity_route_gpx())
    return path


def test_an_activity_in_a_few_lines(watch_fit: Path) -> None:
    status, text = inspect(watch_fit)
    assert status == READ
    assert text.splitlines() == [
        "Activity (FIT file): 5.3 km, the device's own figure; the track's points add up to 5 km",
        "Started 2021-08-15 00:30:00 UTC, lasted 33 min (2,000 s)",
        "401 track points read (2 kept for the map)",
    ]


def test_an_activity_as_one_json_line(watch_fit: Path) -> None:
    status, text = inspect(watch_fit, "--json")
    assert status == READ
    assert text.count("\n") == 1
    found = json.loads(text)
    assert found == {
        "kind": "activity",
        "distance_m": 5_250,
        "started_at": "2021-08-15T00:30:00+00:00",
        "duration_s": 2_000.0,
        "points": 401,
        "source": "device",
        "track_m": 5_000,
        "device_m": 5_250,
        "format": "fit",
        "notes": [],
    }
    assert datetime.fromisoformat(found["started_at"]).utcoffset() == timedelta(0)


def test_what_was_left_out_is_said(tmp_path: Path) -> None:
    morning = run(3_000)
    later = run(2_000, START + timedelta(hours=1), from_m=10_000)
    path = tmp_path / "segments.gpx"
    path.write_bytes(gpx([morning, later]))
    status, text = inspect(path)
    assert status == READ
    assert text.splitlines()[0] == (
        "Activity (GPX file): 5 km, the sum of the track (the file has no figure of the device's own)"
    )
    assert "Note: no straight line across 1 gap between track segments (7 km)" in text
    assert json.loads(inspect(path, "--json")[1])["notes"] == [
        "no straight line across 1 gap between track segments (7 km)"
    ]


def test_a_route(route_gpx: Path) -> None:
    status, text = inspect(route_gpx, "--route")
    assert status == READ
    assert text.startswith(
        "Route «The Unity Run: Mumbai -> Statue of Unity»: The route is 418.3 km; 11 checkpoints: Vasai (km "
    )
    status, text = inspect(route_gpx, "--route", "--json")
    found = json.loads(text)
    assert (status, text.count("\n")) == (READ, 1)
    assert found == {
        "kind": "route",
        "distance_m": pytest.approx(418_300, abs=50),
        "checkpoints": 11,
        "waypoints_left_out": 0,
        "points": found["points"],
        "name": "The Unity Run: Mumbai -> Statue of Unity",
    }
    assert 1_000 < found["points"] <= 5_000


def test_a_refusal_is_the_bots_reply_with_exit_1(route_gpx: Path) -> None:
    status, text = inspect(route_gpx, "--json")  # a planned route sent as an activity
    assert status == REFUSED
    assert json.loads(text) == {
        "refused": "This file has a track but no times, so the bot cannot tell the day of the run. Send the .gpx or"
        " .fit file your watch or app exports for one activity as recorded (a planned route has no times)."
    }
    status, text = inspect(route_gpx)
    assert (status, text) == (REFUSED, f"Refused: {json.loads(inspect(route_gpx, '--json')[1])['refused']}\n")


def test_a_route_refusal(tmp_path: Path) -> None:
    path = tmp_path / "route.gpx"
    path.write_bytes(b"PK\x03\x04" + bytes(64))
    status, text = inspect(path, "--route", "--json")
    assert status == REFUSED
    assert json.loads(text) == {
        "refused": "This is a zip archive, not a GPX file. Unzip it and send the route as a .gpx file."
    }


def test_a_file_over_telegrams_limit_is_refused_from_its_size(tmp_path: Path) -> None:
    path = tmp_path / "huge.gpx"
    with path.open("wb") as f:
        f.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written, nothing is read
    status, text = inspect(path, "--json")
    assert status == REFUSED
    assert "over 20 MB, more than a bot can download from Telegram" in json.loads(text)["refused"]


def test_a_missing_file_says_so_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, text = inspect(tmp_path / "nowhere.fit", "--json")
    assert (status, text) == (NO_FILE, "")
    assert f"Cannot read {tmp_path / 'nowhere.fit'}: No such file or directory" in capsys.readouterr().err
    assert inspect(tmp_path)[0] == NO_FILE  # a folder


def test_through_main(watch_fit: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(watch_fit), "--json"]) == READ
    assert json.loads(capsys.readouterr().out)["distance_m"] == 5_250


def test_as_a_command(watch_fit: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "bot", "inspect"]
    helped = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=120)
    assert helped.returncode == 0 and "--json" in helped.stdout and "--route" in helped.stdout
    done = subprocess.run([*command, str(watch_fit), "--json"], capture_output=True, text=True, timeout=120)
    assert done.returncode == READ
    assert json.loads(done.stdout)["distance_m"] == 5_250
    missing = subprocess.run([*command, str(tmp_path / "no.gpx")], capture_output=True, text=True, timeout=120)
    assert missing.returncode == NO_FILE
    assert "Cannot read" in missing.stderr
