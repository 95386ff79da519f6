"""weblate/components.json stays true to the repository (docs/weblate.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from babel.messages.pofile import read_po

from bot.engine.text import placeholders
from bot.engine.validate_text import MAX_LABEL

ROOT = Path(__file__).resolve().parent.parent
SPEC = json.loads((ROOT / "weblate/components.json").read_text(encoding="utf-8"))
COMPONENTS: list[dict[str, Any]] = SPEC["components"]


def languages() -> list[str]:
    spec = yaml.safe_load((ROOT / "locales/languages.yaml").read_text(encoding="utf-8"))
    return [item["code"] for item in spec["languages"] if item["code"] != "nl"]


@pytest.mark.parametrize("component", COMPONENTS, ids=[c["slug"] for c in COMPONENTS])
def test_the_component_finds_every_catalog_and_only_the_offered_languages(
    component: dict[str, Any],
) -> None:
    mask = component["filemask"]
    found = {p.relative_to(ROOT).parts[mask.split("/").index("*")] for p in ROOT.glob(mask)}
    assert found == set(languages())
    regex = re.compile(component["language_regex"])
    assert all(regex.match(code) for code in languages()) and not regex.match("nl")
    assert (ROOT / component["new_base"]).is_file() and component["source_language"] == "nl"


@pytest.mark.parametrize("component", COMPONENTS, ids=[c["slug"] for c in COMPONENTS])
def test_the_checks_mirror_vrede_check(component: dict[str, Any]) -> None:
    """Weblate's placeholder rule finds exactly the placeholders the bot fills in, and the
    button flag is vrede check's label limit."""
    rule = re.fullmatch(r'placeholders:r"(.*)"', component["check_flags"])
    assert rule, component["check_flags"]
    weblate = re.compile(rule.group(1))
    with (ROOT / component["new_base"]).open("rb") as fh:
        texts = [m.id for m in read_po(fh) if isinstance(m.id, str) and m.id]
    assert any(placeholders(t) for t in texts)
    for text in texts:
        assert {m[1:-1] for m in weblate.findall(text)} == placeholders(text), text
    assert component["vrede"]["button_flag"] == f"max-length:{MAX_LABEL}"
    assert {"placeholders", "max-length"} <= set(component["enforced_checks"])


def test_the_guide_names_every_setting() -> None:
    guide = (ROOT / "docs/weblate.md").read_text(encoding="utf-8")
    for component in COMPONENTS:
        assert component["filemask"] in guide and component["new_base"] in guide
        assert component["vrede"]["button_search"] in guide
