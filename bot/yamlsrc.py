"""YAML to plain Python data, remembering the line of every key, and refusing duplicate keys."""

from __future__ import annotations

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
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 0)
        raise YamlError(f"YAML syntax: {exc.problem or exc.context}", line, col) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML syntax: {exc}", 1) from None
    finally:
        loader.dispose()


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
