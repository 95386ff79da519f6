"""The shared at-least-once inbox: each update answered once, a poisoned one given up."""

from __future__ import annotations

import logging

import pytest

from bot.metrics import Metrics
from bot.store.memory import MemoryUpdateLog
from bot.transports import inbox as inbox_module
from bot.transports.inbox import Inbox


def make() -> tuple[Inbox, Metrics, MemoryUpdateLog]:
    metrics, log = Metrics(), MemoryUpdateLog()
    return Inbox(log, lambda: 1000, metrics, "test"), metrics, log


async def test_an_update_is_fresh_until_it_is_done() -> None:
    inbox, metrics, _ = make()
    assert await inbox.fresh(["a", "b"]) == ["a", "b"]
    await inbox.done("a")
    assert await inbox.fresh(["a", "b", "c"]) == ["b", "c"]
    assert metrics.counts.get("test_duplicates") is None, "the memory answered, not the log"


async def test_the_log_remembers_beyond_the_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inbox_module, "RECENT", 2)
    inbox, metrics, _ = make()
    for u in ("a", "b", "c"):
        await inbox.done(u)
    assert await inbox.fresh(["a", "d"]) == ["d"]
    assert metrics.counts["test_duplicates"] == 1


async def test_a_poisoned_update_is_given_up_once_and_logged_by_type(
    caplog: pytest.LogCaptureFixture,
) -> None:
    inbox, metrics, log = make()
    with caplog.at_level(logging.ERROR):
        await inbox.give_up("x", ValueError("hij slaat me, 0612345678"))
    assert await inbox.fresh(["x"]) == []
    assert metrics.counts["test_given_up"] == 1
    assert "ValueError" in caplog.text and "0612" not in caplog.text
    assert await log.count() == 1
