"""`python -m bot demo`: the offline demo through the command line."""

import subprocess
import sys
from pathlib import Path

from bot.__main__ import main


def test_demo_quiet_prints_the_final_summary(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no .env here, and none is needed
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["demo", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "Final summary" in out
    assert "Finished: 409 km of the planned 416 km" in out


def test_demo_keeps_its_database_where_asked(capsys, tmp_path):
    assert main(["demo", "--quiet", "--db", str(tmp_path / "demo.db")]) == 0
    assert (tmp_path / "demo.db").stat().st_size > 0


def test_python_m_bot_demo_plays_the_story_and_ends_with_the_standings(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "Final standings" in done.stdout
    standings = done.stdout.rsplit("Final standings", 1)[1]
    assert "Finished: 409 km of the planned 416 km" in standings
