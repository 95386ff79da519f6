"""Load dialogues/*.yaml and dialogues/danger/*.yaml into a Dialogue and danger lexicons."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema

from bot.content import explain
from bot.content.build import build
from bot.engine.model import (
    Dialogue,
)
from bot.engine.problem import Problem, errors
from bot.engine.safety import Detector, Lexicon
from bot.engine.terms import TermError
from bot.yamlsrc import Source, YamlError, parse


@dataclass
class Loaded:
    """Everything read from a dialogue folder. `dialogue` is None when errors prevent it."""

    dialogue: Dialogue | None
    lexicons: dict[str, Lexicon]
    sources: list[Source]
    lexicon_sources: list[Source]
    problems: list[Problem] = field(default_factory=list)

    @cached_property
    def detector(self) -> Detector:
        """One detector over all lexicons, built once for the engine and the checks."""
        return Detector(self.lexicons)


def dialogue_files(folder: Path) -> list[Path]:
    """The dialogue files of a folder (trusted-person directories are read separately)."""
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("trusted_persons"))


def load(folder: Path, trusted: Path | None = None) -> Loaded:
    """Read, schema-check and build. Never raises for bad content: problems are returned.

    `trusted` is a trusted-person directory (kept outside git in a deployment).
    """
    problems: list[Problem] = []
    base = folder.parent
    files = dialogue_files(folder) + ([trusted] if trusted is not None else [])
    sources = _read_all(files, base, _schema(folder / "schema.json"), problems)
    lex_sources = _read_all(
        sorted((folder / "danger").glob("*.yaml")),
        base,
        _schema(folder / "danger/schema.json"),
        problems,
    )
    lexicons = _lexicons(lex_sources, problems)
    dialogue = None if errors(problems) else build(sources, problems)
    return Loaded(dialogue, lexicons, sources, lex_sources, problems)


def _lexicons(sources: list[Source], problems: list[Problem]) -> dict[str, Lexicon]:
    """Build each danger file; a rule that cannot be read is an error with its line."""
    out = {}
    for src in sources:
        try:
            out[src.data["language"]] = Lexicon.from_data(src.data)
        except TermError as err:
            line = src.line(err.path)
            problems.append(Problem("error", "danger_rule", str(err), src.file, line))
    return out


def _schema(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _read_all(
    paths: list[Path], base: Path, schema: dict[str, Any], problems: list[Problem]
) -> list[Source]:
    out = []
    validator = jsonschema.Draft202012Validator(schema)
    for path in paths:
        name = str(path.relative_to(base)) if path.is_relative_to(base) else str(path)
        try:
            src = parse(path.read_text(encoding="utf-8"), name)
        except YamlError as exc:
            problems.append(Problem("error", exc.code, exc.message, name, exc.line, exc.node))
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem("error", "unreadable", f"cannot read file: {exc}", name))
            continue
        found = _schema_problems(src, validator)
        problems.extend(found)
        if not found:
            out.append(src)
    return out


def _schema_problems(src: Source, validator: jsonschema.Draft202012Validator) -> list[Problem]:
    out = []
    for err in sorted(validator.iter_errors(src.data), key=lambda e: list(map(str, e.path))):
        path = tuple(err.absolute_path)
        node = str(path[1]) if len(path) > 1 and path[0] == "nodes" else ""
        msg = f"{explain.where(src.data, path)}: {explain.message(err)}"
        out.append(Problem("error", "schema", msg, src.file, src.line(path), node))
    return out
