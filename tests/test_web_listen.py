"""`python -m bot` with the live page's WEB_PORT taken or WEB_HOST not this machine's: one line, exit 2."""

from __future__ import annotations

import socket

import pytest

from bot import __main__ as cli
from bot.demo.simulator import FakeBotAPI
from bot.edge.app import build_application
from bot.ops.config import ConfigError, parse_settings

TOKEN = "123456:" + "A" * 35


@pytest.fixture
def offline_bot(monkeypatch, tmp_path):
    """`python -m bot run` in this process, talking to the fake Bot API instead of Telegram."""
    monkeypatch.setattr(cli, "build_application", lambda settings: build_application(settings, request=FakeBotAPI()))
    for name, value in {
        "TELEGRAM_BOT_TOKEN": TOKEN, "ADMIN_IDS": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "WEB_HOST": "127.0.0.1", "LOG_LEVEL": "WARNING",
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_a_web_port_in_use_stops_the_start_with_one_line_and_exit_2(offline_bot, capsys) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        offline_bot.setenv("WEB_PORT", str(port))
        assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        f"Not started: The live page cannot listen on 127.0.0.1:{port}: the port is in use (another program, or the"
        " bot already running?). Set WEB_PORT to a free port, or stop the other program."
    )


def test_a_web_host_that_is_not_this_machines_stops_the_start_with_one_line_and_exit_2(offline_bot, capsys) -> None:
    offline_bot.setenv("WEB_HOST", "192.0.2.1")  # TEST-NET-1: never an address of this machine
    offline_bot.setenv("WEB_PORT", "18080")
    assert cli.main(["run"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == (
        "Not started: The live page cannot listen on 192.0.2.1:18080: WEB_HOST 192.0.2.1 is not an address of this"
        " machine. Use 127.0.0.1 behind a proxy, or one of this machine's own addresses."
    )


def test_the_database_lock_is_free_again_after_such_a_start(offline_bot, capsys, tmp_path) -> None:
    offline_bot.setenv("WEB_HOST", "192.0.2.1")
    offline_bot.setenv("WEB_PORT", "18080")
    assert cli.main(["run"]) == 2
    assert cli.main(["run"]) == 2  # not "already running": the first start let go of its lock
    assert "already running" not in capsys.readouterr().err.lower()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://run.example.org", "PUBLIC_URL must be the page's https:// address (Telegram opens only https)"),
        ("https://run.example.org/?from=bot", "PUBLIC_URL must be the page's address without a query (?...) or a"),
        ("https://run.example.org/live#map", "PUBLIC_URL must be the page's address without a query (?...) or a"),
    ],
)
def test_a_public_url_over_http_or_with_a_query_is_named_for_what_it_is(url, message) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_settings({"TELEGRAM_BOT_TOKEN": TOKEN, "PUBLIC_URL": url})
    assert str(refused.value).startswith(message)
    assert str(refused.value).endswith(repr(url))
