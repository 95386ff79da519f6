"""Boundaries of the whole package: no import cycles, and transports reach only the runner's
side of the core (never the command line). The engine's own purity: tests/engine."""

from __future__ import annotations

import ast
from pathlib import Path

import bot

BOT = Path(bot.__file__).parent


def _module(path: Path) -> str:
    parts = path.relative_to(BOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def graph() -> dict[str, set[str]]:
    """module -> the bot modules it imports anywhere (also inside functions and TYPE_CHECKING)."""
    modules = {_module(p): p for p in BOT.rglob("*.py")}
    out: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                subs = {f"{node.module}.{a.name}" for a in node.names} & modules.keys()
                found |= subs or {node.module}  # `from pkg import sub` depends on sub
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
        # a module's own parent packages run first anyway: not a dependency that can cycle
        out[name] = {m for m in found if m in modules and not name.startswith(m)}
    return out


def test_no_import_cycles_in_bot() -> None:
    deps = graph()
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = [*path[path.index(name) :], name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for dep in sorted(deps[name]):
            visit(dep, [*path, name])
        done.add(name)

    for name in sorted(deps):
        visit(name, [])


def test_transports_never_import_the_command_line() -> None:
    for name, deps in graph().items():
        if name.startswith("bot.transports"):
            assert "bot.cli" not in deps, f"{name} imports bot.cli"


def test_transports_use_storage_only_through_its_ports() -> None:
    """Only the ports (bot.store.base, bot.store.coordination): implementations are picked in
    bot/store/wiring.py."""
    ports = {"bot.store.base", "bot.store.coordination"}
    for name, deps in graph().items():
        if name.startswith("bot.transports"):
            stores = {d for d in deps if d.startswith("bot.store")}
            assert stores <= ports, f"{name} imports {stores - ports}"


def test_no_sql_outside_the_store_package() -> None:
    for path in BOT.rglob("*.py"):
        if _module(path).startswith("bot.store"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "import sqlite3" not in text and ".execute(" not in text, path


MODULE_LINES = 300
CLASS_LINES = 200


def test_sizes_a_newcomer_can_hold_in_their_head() -> None:
    for path in BOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert text.count("\n") <= MODULE_LINES, f"{path} has over {MODULE_LINES} lines"
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                size = (node.end_lineno or node.lineno) - node.lineno + 1
                assert size <= CLASS_LINES, f"{path}: class {node.name} has {size} lines"


def test_no_cycles_between_packages() -> None:
    """bot.content may use bot.i18n (catalogs) but not the other way round, and so on."""

    def package(module: str) -> str:
        return ".".join(module.split(".")[:2])

    edges: dict[str, set[str]] = {}
    for name, deps in graph().items():
        edges.setdefault(package(name), set()).update(
            package(d) for d in deps if package(d) != package(name)
        )
    for start in edges:
        seen, todo = set(), [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                assert nxt != start, f"package cycle through {start}"
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)


def _top_imports(folder: Path) -> dict[Path, set[str]]:
    """file -> the first part of every module it imports (anywhere in the file)."""
    out: dict[Path, set[str]] = {}
    for path in folder.rglob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
        out[path] = found
    return out


def test_benches_and_harness_need_nothing_from_the_tests() -> None:
    """The real parts (a fake Bot API, Synapse, residents) live in harness/, for both."""
    for folder in ("bench", "harness"):
        for path, tops in _top_imports(BOT.parent / folder).items():
            assert "tests" not in tops, f"{path} imports from tests/"


def test_the_bot_never_imports_the_harness() -> None:
    for path, tops in _top_imports(BOT).items():
        assert "harness" not in tops, f"{path} imports the test harness"
