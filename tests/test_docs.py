"""Examples that run: every YAML snippet in the README and the guides is valid (the guides'
node, contact and person snippets through the real loader), every command the README and the
guides show exists, the configuration table names exactly the variables the code reads, and
no document points outside the repository."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.cli import parser
from bot.content.loader import load
from bot.engine.safety import Detector, Lexicon

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SNIPPETS = re.findall(r"```yaml\n(.*?)```", README, re.S)
GUIDES = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))}
DOCS = {"README.md": README, **GUIDES}
GUIDE_SNIPPETS = [
    (name, snippet)
    for name in ("onderhoud.md", "maintaining.md")
    for snippet in re.findall(r"```yaml\n(.*?)```", GUIDES[name], re.S)
]


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


def test_both_guides_have_the_same_examples() -> None:
    """The Dutch and the English guide show the same YAML (only the words around it differ)."""
    dutch = [s for name, s in GUIDE_SNIPPETS if name == "onderhoud.md"]
    english = [s for name, s in GUIDE_SNIPPETS if name == "maintaining.md"]
    assert len(dutch) >= 3 and dutch == english


@pytest.mark.parametrize(
    ("name", "snippet"), GUIDE_SNIPPETS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(GUIDE_SNIPPETS)]
)
def test_guide_snippets_load_with_the_real_loader(name: str, snippet: str, tmp_path: Path) -> None:
    """Each snippet as a dialogue file of its own, read by bot.content.loader: schema, values
    (hours, dates, option ids) and the model it builds."""
    folder = tmp_path / "dialogues"
    (folder / "danger").mkdir(parents=True)
    shutil.copy(ROOT / "dialogues/schema.json", folder / "schema.json")
    shutil.copy(ROOT / "dialogues/danger/schema.json", folder / "danger/schema.json")
    (folder / "settings.yaml").write_text("entry: start\ndanger_node: danger\nhelp_node: help\n")
    (folder / "snippet.yaml").write_text(snippet, encoding="utf-8")
    loaded = load(folder)
    assert not loaded.problems, [str(p) for p in loaded.problems]
    assert loaded.dialogue is not None
    data = yaml.safe_load(snippet)
    built = {
        "nodes": loaded.dialogue.nodes,
        "contacts": loaded.dialogue.contacts,
        "trusted_persons": loaded.dialogue.trusted,
    }
    kinds = [k for k in built if k in data]
    assert kinds, f"{name}: a snippet that is not a node, contact or person"
    for kind in kinds:
        assert set(data[kind]) <= set(built[kind]), f"{name}: {kind} not built"


def subcommands() -> set[str]:
    actions = [a for a in parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return set(actions[0].choices)


def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([\w./$()-]+):", text, re.M)) | {".venv/.installed"}


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_every_command_shown_exists(doc: str) -> None:
    text = DOCS[doc]
    # `.venv/bin/vrede check`, `vrede check`; not a path such as /var/lib/vrede
    shown = set(re.findall(r"(?:\.venv/bin/|(?<![/\w-]))vrede (\w[\w-]*)", text))
    unknown = {c for c in shown if c not in subcommands()}
    assert not unknown, f"{doc} shows vrede commands that do not exist: {unknown}"
    targets = set(re.findall(r"`make ([\w./-]+)", text)) | set(
        re.findall(r"^make ([\w./-]+)", text, re.M)
    )
    assert targets <= make_targets(), f"{doc}: unknown make targets {targets - make_targets()}"
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            assert not re.match(r"(\S+=\S+ )*vrede ", line), (
                f"{doc}: '{line}' works only in an activated venv; write .venv/bin/vrede"
            )


def env_read_by_the_code() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r"(?:env|environ)(?:\.get)?[\[(]\"([A-Z][A-Z0-9_]+)\"", text))
    return found


def test_the_configuration_table_names_every_variable_the_code_reads() -> None:
    section = README.split("## Configuration", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    first = [row.split("|")[1] for row in rows]
    in_table = {name for cell in first for name in re.findall(r"`([A-Z][A-Z0-9_]{3,})`", cell)}
    read = env_read_by_the_code()
    assert "VREDE_TRUSTED_PERSONS" in read and "TELEGRAM_TOKEN" in read  # the scan works
    assert read - in_table == set(), "read by the code, missing in the README table"
    assert in_table - read == set(), "in the README table, never read by the code"


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_documents_point_only_inside_the_repository(doc: str) -> None:
    text = DOCS[doc]
    assert "../" not in text, f"{doc} refers to a file outside the repository"
    base = ROOT if doc == "README.md" else ROOT / "docs"
    for target in re.findall(r"\]\(([^)#]+)\)", text):
        if "://" not in target:
            assert (base / target).exists(), f"{doc} links to a missing {target}"


def test_the_systemd_unit_runs_and_reloads_the_bot() -> None:
    unit = (ROOT / "deploy/vrede.service").read_text(encoding="utf-8")
    keys = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and line[0].isalpha()
    )
    assert keys["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert ".venv/bin/vrede run" in keys["ExecStart"]
    assert keys["StateDirectoryMode"] == "0700" and keys["UMask"] == "0077"
    for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert hardening in keys
    assert "deploy/vrede.service" in README and "vrede.sqlite3" in README
    if shutil.which("systemd-analyze"):
        done = subprocess.run(
            ["systemd-analyze", "verify", str(ROOT / "deploy/vrede.service")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
