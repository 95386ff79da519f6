"""One fixture per kind of broken dialogue: `vrede check` names the file, line and node."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.content.check import check
from bot.engine.problem import Problem

DATA = Path(__file__).resolve().parent.parent / "data"
CASES = sorted((DATA / "broken").glob("*.yaml"))
TODAY = dt.date(2026, 11, 23)


def run_case(case: Path, tmp_path: Path) -> tuple[dict[str, Any], list[Problem]]:
    spec = yaml.safe_load(case.read_text(encoding="utf-8"))
    shutil.copytree(DATA / "minimal", tmp_path / "dialogues")
    for name, text in spec["files"].items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    locales = tmp_path / "locales"
    return spec, check(tmp_path / "dialogues", locales if locales.exists() else None, TODAY)


@pytest.mark.parametrize("schema", ["schema.json", "danger/schema.json"])
def test_minimal_dialogue_has_the_shipped_schema(schema: str) -> None:
    """The fixtures are checked against the schema maintainers' files are checked against."""
    shipped = DATA.parent.parent / "dialogues" / schema
    assert (DATA / "minimal" / schema).read_bytes() == shipped.read_bytes()


def test_minimal_dialogue_is_clean(tmp_path: Path) -> None:
    shutil.copytree(DATA / "minimal", tmp_path / "dialogues")
    assert check(tmp_path / "dialogues", None, TODAY) == []


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_broken_fixture(case: Path, tmp_path: Path) -> None:
    spec, problems = run_case(case, tmp_path)
    want = spec["expect"]
    found = [p for p in problems if p.code == want["code"]]
    assert found, f"{spec['description']}\nexpected {want['code']}, got:\n" + "\n".join(
        map(str, problems)
    )
    p = found[0]
    assert p.severity == want.get("severity", "error")
    assert p.file == want.get("file", p.file)
    assert p.line == want.get("line", p.line)
    assert p.node == want.get("node", p.node)
    assert want.get("message", "") in p.message
    assert str(p).startswith(f"{p.file}:{p.line}:" if p.line else p.file or "-")
