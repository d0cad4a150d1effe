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
    assert "Warning" not in done.stderr and "Traceback" not in done.stderr


def replies_to(transcript: str, chat: str) -> list[str]:
    """The texts of the bot's messages to `chat` in the demo's transcript, in order (a message's further lines
    are indented by 8 spaces)."""
    start, found = f"   🤖 → {chat}: ", []
    current: list[str] | None = None
    for line in transcript.splitlines():
        if line.startswith(start):
            current = [line.removeprefix(start)]
            found.append(current)
        elif current is not None and line.startswith(" " * 8):
            current.append(line[8:])
        else:
            current = None
    return ["\n".join(lines) for lines in found]


def test_demo_plays_a_second_run_beside_the_unity_run_and_shows_the_archive(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out

    # An operator creates the relay; the club's captain, made its co-organiser, invites its runners.
    assert "Priya: /newrun Powai Striders Weekend Relay | Powai Lake" in out
    assert "🏁 New run: Powai Striders Weekend Relay: Powai Lake → Powai Lake" in out
    assert "🤝 Welcome! You now organise Powai Striders Weekend Relay" in out
    assert "Priya: (taps “The Unity Run”)" in out  # her chat back on the Unity Run after creating the relay
    assert out.count("Invite for a lead runner of Powai Striders Weekend Relay") == 2
    # The club's group follows the relay, from its link; its runners post there and in private.
    assert "Rohan in Powai Striders: /start@UnityRunBot powai-striders-weekend-relay" in out
    assert "This group follows Powai Striders Weekend Relay: Powai Lake → Powai Lake now." in out
    club = replies_to(out, "Powai Striders")
    followed = next(i for i, text in enumerate(club) if text.startswith("👋 This group follows"))
    assert club[followed + 1 :] and all("Unity" not in text for text in club[followed + 1 :])
    assert any(text.startswith("[photo] 🏁 Final summary · Powai Striders Weekend Relay") for text in club)
    assert all("Powai" not in text for text in replies_to(out, "Unity Run Fans"))

    # Asha, pledged to both, is asked which run her /log means; her tap answers it for the Unity Run.
    asked = out.index("Asha: /log 5 Evening walk at Juhu")
    question = out.index("🤔 Which run do you mean?", asked)
    tapped = out.index("Asha: (taps “The Unity Run”)", question)
    logged = out.index("✅ Logged 5 km for 21 Aug 2021 · The Unity Run: Evening walk at Juhu", tapped)
    runs = out.index("Asha: /runs", logged)
    assert "• Powai Striders Weekend Relay: 21 Aug 2021 to 22 Aug 2021" in out[runs : runs + 300]
    assert "👉 The Unity Run: 15 Aug 2021 to 24 Aug 2021" in out[runs : runs + 300]

    # After the end: both runs among Asha's, and the Unity Run on the index page's past runs.
    archive = out.split("25 Aug 2021 · the archive", 1)[1]
    assert "Powai Striders Weekend Relay (ended)" in archive and "The Unity Run (ended)" in archive
    assert "open runs: none" in archive
    assert "past: The Unity Run, Mumbai → Statue of Unity: 409 of 416 km" in archive and "/r/the-unity-run" in archive
    standings = out.rsplit("Final standings", 1)[1]
    assert "Finished: 409 km of the planned 416 km" in standings
