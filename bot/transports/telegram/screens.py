"""What a Telegram turn needs to know about the bot's own messages: where to answer and which
screen to replace (Ctx), and which node each recent screen showed (Screens)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class Ctx:
    """What one turn needs to answer: where, under which key, and which screen to replace."""

    chat_id: int
    key: str
    edit_id: int | None = None


class Screens:
    """Which node each recent bot message showed, so a pressed button can be checked for age.

    Memory only and bounded: after a restart, buttons are checked against the current node.
    """

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._nodes: OrderedDict[tuple[str, int], str] = OrderedDict()
        self._latest: dict[str, int] = {}

    def remember(self, key: str, message_id: int, node: str) -> None:
        """Record a screen; it becomes the conversation's latest."""
        self._nodes[(key, message_id)] = node
        self._latest[key] = message_id
        while len(self._nodes) > self.size:
            (old_key, old_id), _ = self._nodes.popitem(last=False)
            if self._latest.get(old_key) == old_id:
                del self._latest[old_key]

    def node(self, key: str, message_id: int | None) -> str | None:
        """The node a message showed, if known."""
        return None if message_id is None else self._nodes.get((key, message_id))

    def is_latest(self, key: str, message_id: int | None) -> bool:
        """True for the conversation's newest screen."""
        return message_id is not None and self._latest.get(key) == message_id

    def forget(self, key: str) -> None:
        """Drop a conversation (erase)."""
        self._latest.pop(key, None)
        for k in [k for k in self._nodes if k[0] == key]:
            del self._nodes[k]
