"""A changed secret is noticed, and the previous one lets conversations be found and erased."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.engine import inputs as i
from bot.engine.engine import Engine
from bot.engine.replies import Reply
from bot.i18n.catalogs import Catalogs
from bot.runner import Runner
from bot.store.keys import Keyer, note_secret
from bot.store.memory import MemoryStore
from harness.clock import FrozenClock

OLD, NEW = b"the-old-secret-0123456789", b"the-new-secret-0123456789"


async def nothing(replies: tuple[Reply, ...]) -> None:
    return None


def test_a_changed_secret_is_noticed_once(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        assert not note_secret(Keyer(OLD), tmp_path, from_env=True)  # first start
        assert not note_secret(Keyer(OLD), tmp_path, from_env=True)
        assert not caplog.records
        assert note_secret(Keyer(NEW), tmp_path, from_env=True)
        assert "VREDE_OLD_SECRET" in caplog.text
        assert not note_secret(Keyer(NEW), tmp_path, from_env=True), "said once"
    stored = (tmp_path / "secret.check").read_text(encoding="utf-8")
    assert OLD.decode() not in stored and NEW.decode() not in stored


def test_a_secret_next_to_the_database_is_warned_about(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        note_secret(Keyer(OLD), tmp_path, from_env=False)
    assert "next to the database" in caplog.text


async def test_with_the_previous_secret_a_conversation_goes_on_and_can_be_erased(
    engine: Engine, catalogs: Catalogs
) -> None:
    store = MemoryStore()
    before = Runner(engine, store, Keyer(OLD), catalogs.negotiate, FrozenClock())
    await before.handle("telegram", 77, i.Start(lang="uk"), nothing)
    await before.handle("telegram", 77, i.Text("1"), nothing)
    node = (await store.load(before.key("telegram", 77), before.timestamp())).node  # type: ignore[union-attr]

    after = Runner(engine, store, Keyer(NEW, OLD), catalogs.negotiate, FrozenClock())
    assert after.keys("telegram", 77) == [after.key("telegram", 77), before.key("telegram", 77)]
    turn = await after.handle("telegram", 77, i.Text("hallo"), nothing)
    assert turn.session is not None and turn.session.lang == "uk", "the conversation went on"
    assert turn.session.node == node, "where it was"
    assert await store.load(before.key("telegram", 77), after.timestamp()) is None, "moved"
    await after.erase("telegram", 77)
    assert await store.count() == 0
