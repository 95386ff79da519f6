"""Starting on Matrix: an unreachable homeserver is retried with backoff (logged once), then
one clear line and exit 2, where nio alone would retry forever without a word."""

from __future__ import annotations

import argparse
import logging
import socket
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bot.app import build
from bot.config import Settings
from bot.transports import retry
from bot.transports.matrix.app import config_for, run_main


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _app(tmp_path: Path, homeserver: str) -> Any:
    settings = SimpleNamespace(
        matrix_homeserver=homeserver,
        matrix_user="@vrede:localhost",
        matrix_password="secret",
        matrix_access_token=None,
        matrix_read_receipts=True,
        matrix_typing=True,
        data_dir=tmp_path,
    )
    runner = SimpleNamespace(key=lambda *parts: "k" * 32)
    return SimpleNamespace(settings=settings, runner=runner)


def test_an_unreachable_homeserver_is_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(retry, "START_BASE", 0.01)
    url = f"http://127.0.0.1:{_closed_port()}"
    with caplog.at_level(logging.WARNING):
        code = run_main(_app(tmp_path, url), argparse.Namespace())
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().splitlines() == [
        f"vrede matrix: cannot reach the Matrix homeserver {url} "
        "(ClientConnectorError, 6 tries): check the address and the network"
    ]
    assert len([r for r in caplog.records if "cannot reach" in r.getMessage()]) == 1


def test_an_address_that_is_no_url_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_main(_app(tmp_path, "matrix.example.org"), argparse.Namespace())
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "MATRIX_HOMESERVER" in err


@pytest.mark.parametrize(
    ("env", "receipts", "typing"),
    [
        ({}, True, True),  # on unless an operator turns them off
        ({"MATRIX_READ_RECEIPTS": "off"}, False, True),
        ({"MATRIX_TYPING": "0", "MATRIX_READ_RECEIPTS": "yes"}, True, False),
    ],
)
async def test_read_receipts_and_typing_are_on_unless_turned_off(
    tmp_path: Path, env: dict[str, str], receipts: bool, typing: bool
) -> None:
    base = {"VREDE_DATA_DIR": str(tmp_path), "MATRIX_HOMESERVER": "http://127.0.0.1:1"}
    base |= {"MATRIX_USER": "@vrede:example.org", "MATRIX_PASSWORD": "x"}
    app = build(Settings.from_env({**base, **env, "VREDE_CACHE_DIR": "off"}))
    try:
        cfg = config_for(app)
    finally:
        await app.stores.close()
    assert (cfg.read_receipts, cfg.typing) == (receipts, typing)
