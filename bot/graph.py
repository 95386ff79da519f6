"""The conversation as a diagram people can read: Mermaid (for git pages and Markdown) or
Graphviz dot (rendered to SVG or PNG by `vrede graph`).

Readable means: nodes grouped by the file they are written in, the "back to the start"
option that nearly every screen has left out (it would draw an arrow from everywhere to the
start), a legend, and `focus` to show one node with the nodes that lead to it and that it
leads to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.engine.model import Dialogue, Node


@dataclass(frozen=True)
class Edge:
    """One option drawn as an arrow; `action` when it is an action, not a goto."""

    source: str
    target: str
    label: str
    action: bool


@dataclass(frozen=True)
class Missing:
    """An option that goes to a node that does not exist: where it is written."""

    node: str
    option: str
    target: str
    file: str
    line: int

    def __str__(self) -> str:  # as `vrede check` writes it
        return (
            f"{self.file}:{self.line}: [{self.node}] error: option '{self.option}' goes to "
            f"missing node '{self.target}' (missing_node)"
        )


LEGEND = (
    "green: a help screen (a contact or a hand-off to a person)",
    "rounded: an acute-danger screen",
    "solid arrow: an option that goes to a screen (goto)",
    "dashed arrow: an option that is an action (danger, help, erase, language)",
    "left out: 'back to the start' (nearly every screen has it)",
)


def missing(d: Dialogue) -> list[Missing]:
    """Every option whose goto names no node, with the file and line of the option."""
    out = []
    for node in d.nodes.values():
        for opt in node.options:
            if opt.goto is not None and opt.goto not in d.nodes:
                origin = d.origins.get(f"option:{node.id}.{opt.id}") or d.origins.get(
                    f"node:{node.id}"
                )
                file, line = (origin.file, origin.line) if origin else ("", 0)
                out.append(Missing(node.id, opt.id, opt.goto, file, line))
    return out


def edges(d: Dialogue) -> list[Edge]:
    """The arrows to draw: every option but 'back to the start'."""
    actions = {"danger": d.danger_node, "help": d.help_node}
    out = []
    for node in d.nodes.values():
        for opt in node.options:
            if opt.action == "restart":
                continue
            target = opt.goto or actions.get(opt.action or "", node.id)
            out.append(Edge(node.id, target, opt.label, opt.goto is None))
    return out


def neighbourhood(d: Dialogue, focus: str) -> set[str]:
    """The node, the nodes that lead to it and the nodes it leads to."""
    if focus not in d.nodes:
        raise KeyError(focus)
    around = {focus}
    for e in edges(d):
        if e.source == focus:
            around.add(e.target)
        if e.target == focus:
            around.add(e.source)
    return around


def _shown(d: Dialogue, focus: str | None) -> tuple[list[Node], list[Edge]]:
    """The nodes and arrows to draw: all, or with `focus` the node, its neighbours and only
    the arrows to and from the node itself."""
    if focus is None:
        return list(d.nodes.values()), edges(d)
    keep = neighbourhood(d, focus)
    nodes = [n for n in d.nodes.values() if n.id in keep]
    return nodes, [e for e in edges(d) if focus in (e.source, e.target)]


def _by_file(d: Dialogue, nodes: Iterable[Node]) -> dict[str, list[Node]]:
    groups: dict[str, list[Node]] = {}
    for node in nodes:
        origin = d.origins.get(f"node:{node.id}")
        groups.setdefault(origin.file if origin else "", []).append(node)
    return groups


def _short(text: str, n: int = 40) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= n else first[: n - 1] + "…"


def _mm(text: str) -> str:
    """Escape for a quoted Mermaid label."""
    return text.replace('"', "#quot;")


def _dot(text: str) -> str:
    """Escape for a quoted Graphviz label."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


DOT_WORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})


def _id(node: str) -> str:
    """A node id in dot: bare (ids are [a-z][a-z0-9_]*), quoted when it is a dot keyword."""
    return f'"{node}"' if node in DOT_WORDS else node


def mermaid(d: Dialogue, focus: str | None = None) -> str:
    """Mermaid flowchart source; renders on any git web page."""
    nodes, shown = _shown(d, focus)
    lines = ["flowchart TD"]
    for n, (file, group) in enumerate(_by_file(d, nodes).items()):
        lines.append(f'  subgraph files{n}["{_mm(file or "?")}"]')
        for node in group:
            shape = ('(["', '"])') if node.urgent else ('["', '"]')
            lines.append(f"    {node.id}{shape[0]}{node.id}: {_mm(_short(node.text))}{shape[1]}")
        lines.append("  end")
    for e in shown:
        lines.append(f'  {e.source} {"-.->" if e.action else "-->"}|"{_mm(e.label)}"| {e.target}')
    helps = ",".join(n.id for n in nodes if n.is_help)
    lines.append("  classDef help fill:#e6f4ea")
    if helps:
        lines.append(f"  class {helps} help")
    return "\n".join(lines) + "\n"


def markdown(d: Dialogue, focus: str | None = None) -> str:
    """Mermaid in a fenced block with the legend under it: paste into any Markdown page."""
    legend = "\n".join(f"- {line}" for line in LEGEND)
    return f"```mermaid\n{mermaid(d, focus)}```\n\n{legend}\n"


def dot(d: Dialogue, focus: str | None = None) -> str:
    """Graphviz dot source: one box per file (cluster) and a legend."""
    nodes, shown = _shown(d, focus)
    lines = [
        "digraph dialogue {",
        "  rankdir=TB; compound=true;",
        '  node [shape=box, fontname="sans"]; edge [fontname="sans", fontsize=10];',
    ]
    for n, (file, group) in enumerate(_by_file(d, nodes).items()):
        lines.append(f"  subgraph cluster_{n} {{")
        lines.append(f'    label="{_dot(file or "?")}"; style=rounded; color="#999999";')
        for node in group:
            style = ["filled"] if node.is_help else []
            style += ["rounded", "bold"] if node.urgent else []
            fill = ', fillcolor="#e6f4ea"' if node.is_help else ""
            look = f', style="{",".join(style)}"{fill}' if style else ""
            label = f"{node.id}\\n{_dot(_short(node.text))}"
            lines.append(f'    {_id(node.id)} [label="{label}"{look}];')
        lines.append("  }")
    for e in shown:
        extra = ", style=dashed" if e.action else ""
        lines.append(f'  {_id(e.source)} -> {_id(e.target)} [label="{_dot(e.label)}"{extra}];')
    lines += _dot_legend()
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_legend() -> list[str]:
    text = "\\l".join(_dot(line) for line in LEGEND) + "\\l"
    return [
        "  subgraph cluster_legend {",
        '    label="legend"; style=dashed; color="#999999";',
        f'    "legend:" [shape=note, label="{text}"];',
        "  }",
    ]
