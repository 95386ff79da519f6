"""Examples that run: every YAML snippet in the README is valid against the schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = re.findall(r"```yaml\n(.*?)```", (ROOT / "README.md").read_text(encoding="utf-8"), re.S)


def test_readme_has_snippets() -> None:
    assert len(SNIPPETS) >= 3


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"snippet{n}" for n in range(len(SNIPPETS))])
def test_readme_yaml_is_valid(snippet: str) -> None:
    schema = json.loads((ROOT / "dialogues/schema.json").read_text(encoding="utf-8"))
    data = yaml.safe_load(snippet)
    for value in data.get("contacts", {}).values():  # YAML dates -> ISO text, as the loader does
        value["last_verified"] = str(value["last_verified"])
    jsonschema.validate(data, schema)


def test_changelog_has_entries() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## Unreleased" in text and text.count("\n- ") >= 5
