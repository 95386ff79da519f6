"""Edits go live without a restart: a running runner answers with the new content after a
file change or SIGHUP, a broken edit is refused (the old version keeps answering), and a
conversation on a node that was removed starts over with the 112 line."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import shutil
import signal
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.app import App, build
from bot.config import Settings
from bot.content.live import settle
from bot.engine import inputs as i
from bot.engine.replies import Message, Reply
from bot.live import live

ROOT = Path(__file__).resolve().parent.parent.parent
MINIMAL = ROOT / "tests/data/minimal"
OLD_TEXT = "Hallo. Hoe gaat het thuis?"
NEW_TEXT = "Goedendag. Hoe is het thuis?"
SECRET_LINE = "Dit-is-een-kapotte-tekst-die-nooit-in-een-log-mag"


@pytest.fixture
def app(tmp_path: Path) -> App:
    """The minimal dialogue in a folder of its own (edited by the tests), Dutch only."""
    shutil.copytree(MINIMAL, tmp_path / "dialogues")
    (tmp_path / "locales").mkdir()
    (tmp_path / "locales/languages.yaml").write_text("languages:\n  - code: nl\n")
    env = {
        "VREDE_DIALOGUES": str(tmp_path / "dialogues"),
        "VREDE_LOCALES": str(tmp_path / "locales"),
        "VREDE_DATA_DIR": str(tmp_path / "data"),
        "VREDE_CACHE_DIR": "off",
    }
    return build(Settings.from_env(env), persistent=False)


class Chat:
    """One conversation through the runner; remembers what the bot said last."""

    def __init__(self, app: App, chat_id: str = "a") -> None:
        self.app, self.chat_id, self.said = app, chat_id, ""

    async def deliver(self, replies: tuple[Reply, ...]) -> None:
        self.said = "\n\n".join(r.text for r in replies if isinstance(r, Message))

    async def send(self, inp: i.Input, numbered: bool = False) -> str:
        await self.app.runner.handle("console", self.chat_id, inp, self.deliver, numbered=numbered)
        return self.said


def edit(app: App, name: str, old: str, new: str) -> None:
    path = app.settings.dialogues / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


async def until(done: Callable[[], bool], seconds: float = 20.0) -> bool:
    for _ in range(int(seconds * 10)):
        if done():
            return True
        await asyncio.sleep(0.1)
    return done()


def reloads(app: App) -> int:
    return app.runner.metrics.counts["reloads"]


async def test_a_running_runner_answers_with_an_edited_text_after_the_file_changes(
    app: App,
) -> None:
    chat = Chat(app)
    assert OLD_TEXT in await chat.send(i.Start())
    with live(app.reloader, watch=True):
        await asyncio.sleep(0.5)  # the watcher's inotify watches are in place
        edit(app, "nodes.yaml", OLD_TEXT, NEW_TEXT)
        assert await until(lambda: reloads(app) == 1), "no reload after the edit"
    said = await chat.send(i.Start())
    assert NEW_TEXT in said and OLD_TEXT not in said
    assert "Bel 112." in said
    assert app.runner.metrics.counts["reload_failures"] == 0


async def test_a_serving_process_lets_the_old_version_go_after_a_reload(app: App) -> None:
    """A serving process takes its content out of the garbage collector's passes (settle);
    a reload settles the new version and lets the old one be collected."""
    chat = Chat(app)
    await chat.send(i.Start())
    settle()
    try:
        assert gc.get_freeze_count() > 0
        old = weakref.ref(app.runner.engine)
        edit(app, "nodes.yaml", OLD_TEXT, NEW_TEXT)
        assert app.reloader.reload("test")
        assert NEW_TEXT in await chat.send(i.Start())
        new = app.runner.engine
        assert not any(o is new for o in gc.get_objects()), "the new version is settled too"
        gc.collect()
        assert old() is None, "the old version is gone"
    finally:
        gc.unfreeze()


async def test_a_broken_edit_is_refused_and_the_old_dialogue_keeps_answering(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    chat = Chat(app)
    await chat.send(i.Start())
    edit(app, "nodes.yaml", "goto: chat", "goto: chatten")  # a node that does not exist
    edit(app, "nodes.yaml", "Je kunt ook chatten.", SECRET_LINE)
    edit(app, "nodes.yaml", OLD_TEXT, NEW_TEXT)
    with caplog.at_level(logging.INFO):
        assert app.reloader.reload("test") is False
    assert app.runner.metrics.counts["reload_failures"] == 1 and reloads(app) == 0
    said = await chat.send(i.Start())
    assert OLD_TEXT in said and NEW_TEXT not in said
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "refused: 1 errors" in logged
    assert "dialogues/nodes.yaml:" in logged and "missing_node" in logged
    assert SECRET_LINE not in logged and "chatten" not in logged  # places, never texts


async def test_a_conversation_on_a_removed_node_lands_on_the_start_with_112(app: App) -> None:
    """Both ways a number is read: from the choices the runner remembers showing, and, after
    a restart, from the session (which names the removed node)."""
    remembered, restarted = Chat(app, "a"), Chat(app, "b")
    for chat in (remembered, restarted):
        await chat.send(i.Start())
        assert "Je kunt ook chatten." in await chat.send(i.Choice("chat", "start"))
    text = (app.settings.dialogues / "nodes.yaml").read_text(encoding="utf-8")
    head, _, tail = text.partition("  chat:\n")
    without_chat = head.replace(
        "      - id: chat\n        label: Chatten\n        goto: chat\n", ""
    )
    (app.settings.dialogues / "nodes.yaml").write_text(
        without_chat + tail[tail.index("  danger:") :]
    )
    assert app.reloader.reload("test"), "the edit without the node should pass the check"
    said = [await remembered.send(i.Text("1"), numbered=True)]
    app.runner._shown.clear()  # as after a restart
    said += [await restarted.send(i.Text("1"), numbered=True), await restarted.send(i.Text("ja"))]
    for line in said[:2]:
        assert "Dit gesprek is intussen aangepast" in line, line
        assert OLD_TEXT in line and "112" in line


async def test_sighup_reloads(app: App) -> None:
    chat = Chat(app)
    edit(app, "nodes.yaml", OLD_TEXT, NEW_TEXT)
    with live(app.reloader, watch=False):
        os.kill(os.getpid(), signal.SIGHUP)
        assert await until(lambda: reloads(app) == 1), "SIGHUP did not reload"
    assert NEW_TEXT in await chat.send(i.Start())
    assert signal.getsignal(signal.SIGHUP) == signal.SIG_DFL  # handed back after the run


async def test_the_trusted_person_file_is_watched_too(app: App, tmp_path: Path) -> None:
    people = tmp_path / "etc/trusted_persons.yaml"
    people.parent.mkdir()
    shutil.copy(ROOT / "dialogues/trusted_persons.example.yaml", people)
    env = {
        "VREDE_DIALOGUES": str(app.settings.dialogues),
        "VREDE_LOCALES": str(app.settings.locales),
        "VREDE_TRUSTED_PERSONS": str(people),
        "VREDE_CACHE_DIR": "off",
    }
    app = build(Settings.from_env(env), persistent=False)
    before = set(app.engine.dialogue.entry_codes) | {
        p.code for p in app.engine.dialogue.trusted.values()
    }
    assert "K3F9" in before
    with live(app.reloader, watch=True):
        await asyncio.sleep(0.5)
        people.write_text(people.read_text(encoding="utf-8").replace("K3F9", "K3F8"))
        assert await until(lambda: reloads(app) == 1), "no reload after the people file changed"
    codes = {p.code for p in app.engine.dialogue.trusted.values()}
    assert "K3F8" in codes and "K3F9" not in codes
