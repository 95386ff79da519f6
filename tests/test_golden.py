"""Golden transcripts: tests/golden/*.yaml replayed through the engine with a frozen clock.

`pytest --update-golden` rewrites the expected replies; review the diff like code.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.loader import load
from bot.engine import inputs as i
from bot.engine.engine import Engine
from bot.engine.replies import Erase, Handoff, Message, RelayAsk, Reply
from bot.engine.session import Session
from bot.i18n.catalogs import Catalogs

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = sorted((ROOT / "tests/golden").glob("*.yaml"))


def to_input(spec: dict[str, Any]) -> i.Input:
    if "start" in spec:
        return i.Start(**(spec["start"] or {}))
    if "text" in spec:
        return i.Text(str(spec["text"]))
    if "edited" in spec:
        return i.Edited(str(spec["edited"]))
    if "choice" in spec:
        return i.Choice(str(spec["choice"]), spec.get("node"))
    if "command" in spec:
        return i.Command(spec["command"])
    return i.Unsupported(spec["unsupported"])


def describe(reply: Reply) -> dict[str, Any] | str:
    if isinstance(reply, Erase):
        return "erase"
    if isinstance(reply, RelayAsk):
        return "relay ask (the runner's relay service may search instead)"
    if isinstance(reply, Handoff):
        return {"handoff": reply.target}
    assert isinstance(reply, Message)
    out: dict[str, Any] = {"node": reply.node, "text": reply.text}
    if reply.options:
        out["options"] = {b.id: b.label for b in reply.options}
    if reply.urgent:
        out["urgent"] = True
    return out


def replay(engine: Engine, spec: dict[str, Any]) -> list[list[Any]]:
    now = dt.datetime.fromisoformat(spec.get("now", "2026-01-05T10:00:00+01:00"))
    session: Session | None = None
    results = []
    for step in spec["steps"]:
        if "at" in step:
            now = dt.datetime.fromisoformat(step["at"])
        turn = engine.handle(session, to_input(step["input"]), now)
        session = turn.session
        results.append([describe(r) for r in turn.replies])
    return results


class Literal(str):
    """A string dumped in YAML block style, so transcripts read like chats."""


def _literal(dumper: yaml.SafeDumper, data: Literal) -> yaml.Node:
    return dumper.represent_scalar(
        "tag:yaml.org,2002:str", data, style="|" if "\n" in data else None
    )


yaml.SafeDumper.add_representer(Literal, _literal)


def _blockify(value: Any) -> Any:
    if isinstance(value, str):
        return Literal(value)
    if isinstance(value, list):
        return [_blockify(v) for v in value]
    if isinstance(value, dict):
        return {k: _blockify(v) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def golden_engine() -> Engine:
    loaded = load(ROOT / "dialogues", ROOT / "dialogues/trusted_persons.example.yaml")
    assert loaded.dialogue is not None
    return Engine(
        loaded.dialogue, Catalogs.load(ROOT / "locales"), loaded.lexicons, loaded.detector
    )


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden(path: Path, golden_engine: Engine, request: pytest.FixtureRequest) -> None:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    got = replay(golden_engine, spec)
    if request.config.getoption("--update-golden"):
        for step, replies in zip(spec["steps"], got, strict=True):
            step["expect"] = replies
        header = "".join(
            line + "\n"
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("#")
        )
        body = yaml.safe_dump(_blockify(spec), allow_unicode=True, sort_keys=False, width=100)
        path.write_text(header + body, encoding="utf-8")
        return
    for n, (step, replies) in enumerate(zip(spec["steps"], got, strict=True)):
        assert replies == step.get("expect"), (
            f"{path.name} step {n + 1} ({step['input']}): run pytest --update-golden and review the diff"
        )
