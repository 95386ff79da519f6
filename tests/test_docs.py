"""Examples that run: every YAML snippet in the README is valid against the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.engine.safety import Detector, Lexicon

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def test_readme_has_snippets() -> None:
    assert len(SNIPPETS) >= 3


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"snippet{n}" for n in range(len(SNIPPETS))])
def test_readme_yaml_is_valid(snippet: str) -> None:
    data = yaml.safe_load(snippet)
    if "kinds" in data:  # a danger file: its own schema, and its examples must hold
        danger_snippet_holds(data)
        return
    schema = json.loads((ROOT / "dialogues/schema.json").read_text(encoding="utf-8"))
    for value in data.get("contacts", {}).values():  # YAML dates -> ISO text, as the loader does
        value["last_verified"] = str(value["last_verified"])
    jsonschema.validate(data, schema)


def danger_snippet_holds(data: dict[str, object]) -> None:
    schema = json.loads((ROOT / "dialogues/danger/schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    lexicon = Lexicon.from_data(data)
    detector = Detector({lexicon.lang: lexicon})
    for kind, texts in lexicon.examples.items():
        for text in texts:
            kinds = {m.rule.tag for m in detector.matches(text) if m.rule.certain}
            assert kind in kinds, f"README example '{text}' is not caught by the snippet's rules"
    for text in lexicon.must_not_match:
        assert detector.detect(text) is None, text


def test_changelog_has_entries() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## Unreleased" in text and text.count("\n- ") >= 5
