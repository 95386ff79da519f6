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


def region_problems(d: Dialogue) -> Iterator[Problem]:
    """Every region a node or option names is one of 'regions'."""
    known = set(d.regions)
    for node in d.nodes.values():
        for region in node.regional:
            if region not in known | {"default"}:
                yield found(
                    d.origins,
                    "error",
                    "unknown_region",
                    f"region '{region}' is not in 'regions'",
                    f"node:{node.id}",
                    node.id,
                )
        for opt in node.options:
            if opt.region is not None and opt.region not in known | {"none"}:
                yield found(
                    d.origins,
                    "error",
                    "unknown_region",
                    f"option '{opt.id}' sets unknown region '{opt.region}'",
                    f"option:{node.id}.{opt.id}",
                    node.id,
                )


def entry_region_problems(d: Dialogue) -> Iterator[Problem]:
    """A campaign code's region (for the figures) names a code and a region that exist."""
    for code, region in d.entry_regions.items():
        where = f"entry_regions:{code}"
        if code not in d.entry_codes:
            msg = f"entry_regions: '{code}' is not one of the entry_codes ({', '.join(d.entry_codes)})"
            yield found(d.origins, "error", "unknown_entry_code", msg, where)
        if region not in d.regions:
            msg = f"entry_regions: region '{region}' of '{code}' is not in 'regions' ({', '.join(d.regions)})"
            yield found(d.origins, "error", "unknown_region", msg, where)
