"""Every input gets an answer: an exception injected at each layer a turn passes through still
gives the resident at least the short line with 112, in the conversation's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.transports.telegram import adapter as adapter_module
from tests.transports.telegram.fixtures import Harness

CHAT = 8100


def broken(*_: object, **__: object) -> Any:
    raise RuntimeError("an injected fault")


def once(real: Callable[..., Any]) -> Callable[..., Any]:
    """Fails the first call, then behaves (so the short line itself can still be sent)."""
    calls = 0

    def fake(*args: object, **kwargs: object) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("an injected fault")
        return real(*args, **kwargs)

    return fake


def inject(tg: Harness, layer: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if layer == "engine":
        monkeypatch.setattr(tg.runner.engine, "handle", broken)
    elif layer == "rendering":
        monkeypatch.setattr(adapter_module, "render", broken)
    elif layer == "rendering once":
        monkeypatch.setattr(adapter_module, "render", once(adapter_module.render))
    elif layer == "outbox send":
        monkeypatch.setattr(tg.bot.outbox, "send", once(tg.bot.outbox.send))
    elif layer == "sendMessage refused":
        tg.fake.fail("sendMessage", times=1, status=400)
    elif layer in ("store load", "store save", "store purge"):
        monkeypatch.setattr(tg.store, layer.split()[1], broken)
        tg.runner._next_purge = 0  # the runner's own purge runs in this turn
    elif layer == "trail":
        monkeypatch.setattr(tg.bot.adapter.trail, "add", broken)
    elif layer == "figures":
        monkeypatch.setattr(tg.runner.recorder.figures, "add", broken)
    else:
        raise AssertionError(layer)


LAYERS = [
    ("engine", "a bug in the engine: the short line instead of the screen"),
    ("rendering", "rendering always fails: the plain text (which ends with 112) is sent"),
    ("rendering once", "rendering fails once: the short line is rendered and sent"),
    ("outbox send", "the outbox raises once: the runner sends the short line"),
    ("sendMessage refused", "Telegram refuses the reply (400): the short line goes instead"),
    ("store load", "the session cannot be read: the short line, in the language remembered"),
    ("store save", "the session cannot be written: answered anyway"),
    ("store purge", "the runner's purge fails inside the turn: answered anyway"),
    ("trail", "the message id cannot be filed for erase: answered anyway"),
    ("figures", "the weekly figures cannot be written: answered anyway"),
]


@pytest.mark.parametrize(("layer", "why"), LAYERS, ids=[x[0] for x in LAYERS])
async def test_a_fault_at_every_layer_still_answers_with_112_in_the_session_language(
    tg: Harness, monkeypatch: pytest.MonkeyPatch, layer: str, why: str
) -> None:
    await tg.say(CHAT, "/start", lang="pl")  # a Polish conversation ...
    before = len(tg.fake.bot_messages(CHAT, visible=False))
    inject(tg, layer, monkeypatch)
    await tg.say(CHAT, "pomocy", lang="nl")  # ... on a phone set to Dutch
    replies = tg.fake.bot_messages(CHAT, visible=False)[before:]
    assert replies, why
    last = replies[-1].text or ""
    emergency = tg.runner.engine.system_text("pl", "emergency")
    assert "112" in last and emergency.split("{")[0].strip() in last, (why, last)
