"""The `vrede` command as a maintainer uses it: check, chat (piped), graph, i18n."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent


def vrede(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "VREDE_DATA_DIR": str(ROOT / ".pytest_cache" / "cli-data"),
        **(env or {}),
    }
    for name in ("TELEGRAM_TOKEN", "MATRIX_HOMESERVER"):
        full_env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=full_env,
        timeout=60,
    )


def test_check_passes_on_the_shipped_dialogue() -> None:
    result = vrede("check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("ok")


def test_check_fails_with_places_and_json(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "tests/data/minimal", tmp_path / "dialogues")
    (tmp_path / "dialogues/nodes.yaml").write_text(
        "nodes:\n  start:\n    text: [\n", encoding="utf-8"
    )
    env = {"VREDE_DIALOGUES": str(tmp_path / "dialogues"), "VREDE_LOCALES": str(tmp_path / "none")}
    result = vrede("check", env=env)
    assert result.returncode == 1
    assert "dialogues/nodes.yaml:4:" in result.stdout and "Traceback" not in result.stderr
    data = json.loads(vrede("check", "--format", "json", env=env).stdout)
    assert data["ok"] is False and data["problems"][0]["code"] == "yaml_syntax"


def test_broken_dialogue_stops_chat_without_a_traceback(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "tests/data/minimal", tmp_path / "dialogues")
    (tmp_path / "dialogues/extra.yaml").write_text(
        "nodes:\n  x:\n    text: X\n    options: []\n", encoding="utf-8"
    )
    result = vrede("chat", env={"VREDE_DIALOGUES": str(tmp_path / "dialogues")})
    assert result.returncode == 1
    assert "dead_end" in result.stderr and "Traceback" not in result.stderr


def test_piped_chat_prints_the_whole_conversation() -> None:
    result = vrede("chat", stdin="1\n2\nhij heeft een mes\nwissen\n")
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "> 1" in out and "> hij heeft een mes" in out
    assert out.count("Nu in gevaar? Bel 112.") >= 5
    assert "1. Vertel meer" in out
    assert "(vrede: the conversation is erased)" in out  # the terminal's own line, marked


def test_chat_in_english_with_an_entry_code() -> None:
    out = vrede("chat", "--lang", "en", "--start", "campagne", stdin="").stdout
    assert "In danger right now? Call 112." in out
    same = vrede("chat", "--lang", "EN", "--start", "Campagne", stdin="").stdout
    assert same == out  # codes compare case-insensitively


def test_unknown_lang_or_start_is_an_error_listing_the_valid_ones() -> None:
    result = vrede("chat", "--lang", "xx", stdin="")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == (
        "vrede chat: unknown --lang 'xx'; valid: nl, en, tr, ar, pl, uk, ti, fa"
    )
    result = vrede("chat", "--start", "nope", stdin="")
    assert result.returncode == 2 and "unknown --start 'nope'; valid: campagne" in result.stderr
    result = vrede("danger", "--lang", "xx", "hallo")
    assert result.returncode == 2 and "valid: ar, en, fa, nl" in result.stderr


def test_run_without_tokens_falls_back_to_the_terminal() -> None:
    result = vrede("run", stdin="1\n")
    assert result.returncode == 0
    assert "Nu in gevaar? Bel 112." in result.stdout


def test_graph_mermaid_and_dot() -> None:
    mermaid = vrede("graph").stdout
    assert mermaid.startswith("flowchart TD") and "start -->" in mermaid
    dot = vrede("graph", "--format", "dot").stdout
    assert dot.startswith("digraph dialogue {") and "start -> topic" in dot


def test_i18n_round_trip(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "locales", tmp_path / "locales")
    env = {"VREDE_LOCALES": str(tmp_path / "locales")}
    assert "texts" in vrede("i18n", "extract", env=env).stdout
    assert "updated" in vrede("i18n", "update", env=env).stdout
    assert "compiled" in vrede("i18n", "compile", env=env).stdout
    assert (tmp_path / "locales/en/LC_MESSAGES/messages.mo").exists()
    # Meaning, not a tool's fingerprint: headers such as Generated-By or the creation date
    # change with every Babel release and say nothing about our texts.
    shipped = catalog_meaning(ROOT / "locales/messages.pot")
    assert catalog_meaning(tmp_path / "locales/messages.pot") == shipped, (
        "locales/messages.pot is out of date: run 'vrede i18n extract && vrede i18n update'"
    )
    for po in sorted((ROOT / "locales").glob("*/LC_MESSAGES/messages.po")):
        fresh = tmp_path / po.relative_to(ROOT)
        assert catalog_meaning(fresh) == catalog_meaning(po), (
            f"{po.relative_to(ROOT)} is out of date: run 'vrede i18n update'"
        )


def catalog_meaning(path: Path) -> list[tuple[object, ...]]:
    """What a catalog says, without the header a tool writes: one tuple per message."""
    with path.open("rb") as fh:
        catalog = read_po(fh)
    return [
        (
            m.context,
            m.id,
            m.string,
            tuple(m.auto_comments),
            tuple(m.user_comments),
            tuple(sorted(m.flags)),
            tuple(m.locations),
        )
        for m in catalog
        if m.id
    ]
