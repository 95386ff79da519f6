"""The conversation as a Mermaid or Graphviz diagram, for maintainers."""

from __future__ import annotations

from bot.engine.model import Dialogue, Node


def _targets(d: Dialogue, node: Node) -> list[tuple[str, str, bool]]:
    """(label, target node, is_action) for every option."""
    actions = {"restart": d.entry, "danger": d.danger_node, "help": d.help_node}
    out = []
    for opt in node.options:
        target = opt.goto or actions.get(opt.action or "", node.id)
        out.append((opt.label, target, opt.goto is None))
    return out


def _short(text: str, n: int = 40) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= n else first[: n - 1] + "…"


def _mm(text: str) -> str:
    """Escape for a quoted Mermaid label."""
    return text.replace('"', "#quot;")


def _dot(text: str) -> str:
    """Escape for a quoted Graphviz label."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def mermaid(d: Dialogue) -> str:
    """Mermaid flowchart source; renders on any git web page."""
    lines = ["flowchart TD"]
    for node in d.nodes.values():
        shape = ('(["', '"])') if node.urgent else ('["', '"]')
        lines.append(f"  {node.id}{shape[0]}{node.id}: {_mm(_short(node.text))}{shape[1]}")
    for node in d.nodes.values():
        for label, target, action in _targets(d, node):
            arrow = "-.->" if action else "-->"
            lines.append(f'  {node.id} {arrow}|"{_mm(label)}"| {target}')
    lines.append(
        f"  classDef help fill:#e6f4ea\n  class {','.join(n.id for n in d.nodes.values() if n.is_help) or d.entry} help"
    )
    return "\n".join(lines) + "\n"


def dot(d: Dialogue) -> str:
    """Graphviz dot source."""
    lines = ["digraph dialogue {", "  rankdir=TB;", "  node [shape=box, fontname=sans];"]
    for node in d.nodes.values():
        style = ', style=filled, fillcolor="#e6f4ea"' if node.is_help else ""
        lines.append(f'  {node.id} [label="{node.id}\\n{_dot(_short(node.text))}"{style}];')
    for node in d.nodes.values():
        for label, target, action in _targets(d, node):
            extra = ", style=dashed" if action else ""
            lines.append(f'  {node.id} -> {target} [label="{_dot(label)}"{extra}];')
    lines.append("}")
    return "\n".join(lines) + "\n"
