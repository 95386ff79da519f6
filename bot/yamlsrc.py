"""YAML to plain Python data, remembering the line of every key, and refusing duplicate keys."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]
# libyaml's loader is several times faster and keeps the same marks; PyYAML's is the fallback.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(Exception):
    """A YAML syntax error or duplicate key, with a 1-based line and column."""

    def __init__(
        self, message: str, line: int, column: int = 0, code: str = "yaml_syntax", node: str = ""
    ) -> None:
        super().__init__(message)
        self.message, self.line, self.column, self.code = message, line, column, code
        self.node = node


@dataclass
class Source:
    """A parsed YAML file: its data and the line where each path starts."""

    file: str
    data: Any
    lines: dict[Path, int] = field(default_factory=dict)

    def line(self, path: Path) -> int:
        """Line of `path`, or of the nearest ancestor that has one."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


def parse(text: str, file: str) -> Source:
    """Parse one YAML document; raises YamlError with a position on any problem."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        src = Source(file, None)
        src.data = _convert(loader, root, (), src.lines) if root is not None else {}
        return src
    except yaml.MarkedYAMLError as exc:
        opened = "quoted scalar" in str(exc.context)  # report where the quote was opened
        mark = (exc.context_mark if opened else None) or exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 0)
        problem = str(exc.problem or exc.context)
        said = syntax_hint(f"{exc.context or ''} {problem}", text, line, col) or problem
        raise YamlError(f"YAML syntax: {said}", line, col, node=node_at(text, line)) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML syntax: {exc}", 1) from None
    finally:
        loader.dispose()


_KEY_AT = re.compile(r"^(\s*)(- )?([A-Za-z_][\w-]*):\s")


def syntax_hint(problem: str, text: str, line: int, column: int) -> str | None:
    """Plain words and an example for the syntax slips maintainers make most often."""
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    if "mapping values are not allowed" in problem:
        found = _KEY_AT.match(here)
        if found and len(found.group(0)) - 1 >= column - 1:
            # The colon that upset YAML ends a key at the start of the line: a setting
            # indented further than the one above it, which YAML reads as part of that text.
            return (
                f"line {line} starts a new setting ('{found.group(3)}:') but is indented "
                "further than the setting above it, so YAML reads it as part of that text: "
                "indent it exactly as far as the setting above it"
            )
        if found:
            key, rest = found.group(3), here[found.end() :].strip().replace('"', "'")
            indent = found.group(1) + (found.group(2) or "")
            return (
                "a text that contains ': ' (a colon and a space) must be put in quotes, "
                f'for example:\n    {indent}{key}: "{rest}"'
            )
        return "a text that contains ': ' (a colon and a space) must be put in quotes"
    if "quoted scalar" in problem:
        return 'a quote (") is opened here but never closed: end the text with the same quote'
    if "\t" in here[: max(0, column)]:
        return "this line is indented with a tab: indent with spaces only"
    return None


_NODE_LINE = re.compile(r"^  ([a-z][a-z0-9_]*):")


def node_at(text: str, line: int) -> str:
    """The node a line of a dialogue file belongs to, read from the indentation; '' if none."""
    above = text.splitlines()[:line]
    for n in range(len(above) - 1, -1, -1):
        if above[n][:1].isalpha():  # a top-level key before any node: not inside a node
            return ""
        if (found := _NODE_LINE.match(above[n])) is not None:
            owner = next((ln for ln in reversed(above[:n]) if ln[:1].isalpha()), "")
            return found.group(1) if owner.startswith("nodes:") else ""
    return ""


def _convert(loader: yaml.SafeLoader, node: yaml.Node, path: Path, lines: dict[Path, int]) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node))
            if key in out:
                line = key_node.start_mark.line + 1
                if path in (("nodes",), ("contacts",)):
                    what = "node" if path == ("nodes",) else "contact"
                    raise YamlError(f"duplicate {what} id '{key}'", line, 0, "duplicate_id", key)
                raise YamlError(f"duplicate key '{key}'", line, code="duplicate_key")
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _convert(loader, value_node, (*path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_convert(loader, v, (*path, n), lines) for n, v in enumerate(node.value)]
    if node.tag in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary"):
        return node.value  # keep dates as ISO text; the schema and loader parse them
    if node.tag == "tag:yaml.org,2002:int" and ":" in str(node.value):
        return node.value  # YAML 1.1 would read 17:00 as a base-60 number
    return loader.construct_object(node)
