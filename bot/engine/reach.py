"""Who the bot is for: each situation's screen is near the start and offers something concrete.

A separate pass from validate.py's graph checks: these are promises to residents ("a parent
worried about the children reaches a screen with Veilig Thuis in at most 3 choices"), not
rules of the graph.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from bot.engine.model import Dialogue
from bot.engine.problem import Severity

MAX_CHOICES = 3  # choices from the start to the screen of a situation


def choices_from_start(d: Dialogue) -> dict[str, int]:
    """The fewest button presses from the entry node to every node (actions followed too)."""
    targets = {"danger": d.danger_node, "help": d.help_node, "restart": d.entry}
    depth, todo = {d.entry: 0}, deque([d.entry])
    while todo:
        node = todo.popleft()
        for opt in d.nodes[node].options:
            nxt = opt.goto or targets.get(opt.action or "")
            if nxt is not None and nxt not in depth:
                depth[nxt] = depth[node] + 1
                todo.append(nxt)
    return depth


def situation_findings(d: Dialogue) -> Iterator[tuple[Severity, str, str, str]]:
    """(severity, code, message, situation) for every promise that does not hold."""
    depth = choices_from_start(d)
    typed = {i.goto for i in d.intents.values()}
    for name, target in d.situations.items():
        node = d.nodes.get(target)
        if node is None:
            yield "error", "missing_node", f"situation '{name}' names missing node '{target}'", name
            continue
        if not node.is_help:
            msg = f"situation '{name}': screen '{target}' shows no contact or person to turn to"
            yield "error", "no_offer", msg, name
        steps = depth.get(target)
        if steps is None or steps > MAX_CHOICES:
            far = "cannot be reached by buttons" if steps is None else f"is {steps} choices deep"
            msg = (
                f"situation '{name}': screen '{target}' {far}; at most {MAX_CHOICES} from the start"
            )
            yield "error", "too_deep", msg, name
        if target not in typed:
            msg = f"situation '{name}': no intent leads to '{target}', so typing cannot reach it"
            yield "warning", "not_typed", msg, name
