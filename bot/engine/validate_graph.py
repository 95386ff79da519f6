"""Checks on the dialogue as a graph: every node reachable, no dead ends, help close by."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from bot.engine.model import Dialogue, Node
from bot.engine.problem import Problem, found

HELP_STEPS = 3


def _edges(d: Dialogue, node: Node) -> list[str]:
    targets = {"danger": d.danger_node, "help": d.help_node, "restart": d.entry}
    return [opt.goto or targets.get(opt.action or "", node.id) for opt in node.options]


def unreachable_nodes(d: Dialogue) -> Iterator[Problem]:
    roots = {d.entry, d.danger_node, d.help_node, *d.entry_codes.values()}
    roots |= {n for n in d.danger_screens.values() if n in d.nodes}
    roots |= {i.goto for i in d.intents.values() if i.goto is not None and i.goto in d.nodes}
    seen, todo = set(roots), deque(roots)
    while todo:
        for nxt in _edges(d, d.nodes[todo.popleft()]):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    for nid in d.nodes.keys() - seen:
        yield found(
            d.origins,
            "error",
            "unreachable",
            f"node '{nid}' cannot be reached from the start",
            f"node:{nid}",
            nid,
        )


def dead_ends(d: Dialogue) -> Iterator[Problem]:
    for node in d.nodes.values():
        if not node.options:
            yield found(
                d.origins,
                "error",
                "dead_end",
                f"node '{node.id}' has no options: add a way forward or back",
                f"node:{node.id}",
                node.id,
            )


def help_distance(d: Dialogue) -> Iterator[Problem]:
    """From every node a help node (contacts or handoff) is at most HELP_STEPS steps away."""
    dist = {nid: 0 for nid, n in d.nodes.items() if n.is_help or nid == d.danger_node}
    for _ in range(HELP_STEPS):
        for node in d.nodes.values():
            near = [dist[t] + 1 for t in _edges(d, node) if t in dist]
            if near and min(near) < dist.get(node.id, HELP_STEPS + 1):
                dist[node.id] = min(near)
    for nid in d.nodes.keys() - dist.keys():
        yield found(
            d.origins,
            "error",
            "help_too_far",
            f"no help route within {HELP_STEPS} steps of node '{nid}'",
            f"node:{nid}",
            nid,
        )
