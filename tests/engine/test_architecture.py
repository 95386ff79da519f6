"""bot/engine is pure: it imports no transport, no asyncio, no I/O, and reads no clock."""

from __future__ import annotations

import ast
from pathlib import Path

import bot.engine

ENGINE = Path(bot.engine.__file__).parent
ALLOWED = {
    "__future__",
    "bisect",
    "collections",
    "collections.abc",
    "dataclasses",
    "functools",
    "heapq",
    "itertools",
    "math",
    "datetime",
    "json",
    "re",
    "typing",
    "unicodedata",
}
FORBIDDEN_CALLS = {"now", "utcnow", "today", "time", "open", "monotonic", "random", "uuid4"}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_engine_imports_only_pure_modules() -> None:
    for path in ENGINE.glob("*.py"):
        for name in imports(path):
            assert name in ALLOWED or name.startswith("bot.engine"), f"{path.name} imports {name}"


def test_engine_reads_no_clock_and_opens_no_file() -> None:
    for path in ENGINE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                assert name not in FORBIDDEN_CALLS, f"{path.name} calls {name}()"
