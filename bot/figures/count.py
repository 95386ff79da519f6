"""What one turn counts: pure, from the session before, the turn and the dialogue.

Only fixed names leave this module (names.py), with the conversation's region: the region of
its entry code when that code implies exactly one (a trusted person working in one region),
else "unknown". The entry code itself is never passed on: every trusted person's link counts
as one route, "via a trusted person", because one code is one person.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.model import Dialogue
from bot.engine.replies import Erase, Message, Turn
from bot.engine.session import Session
from bot.figures import names as n

UNKNOWN = "unknown"
GENERAL = "general"  # the danger screen for every kind without a screen of its own


@dataclass(frozen=True)
class Counted:
    """The figures of one turn and the region they count in."""

    region: str
    names: tuple[str, ...]


class Counting:
    """Reads turns for figures; built once per dialogue."""

    def __init__(self, dialogue: Dialogue) -> None:
        self.nodes = dialogue.nodes
        self.kinds = {node: kind for kind, node in dialogue.danger_screens.items()}
        self.kinds.setdefault(dialogue.danger_node, GENERAL)
        # entry code -> (route, region); a campaign code's region is in entry_regions
        self.codes = {
            code: (n.ROUTES[1], _known(dialogue.entry_regions.get(code)))
            for code in dialogue.entry_codes
        }
        for p in dialogue.trusted.values():
            if p.code:
                region = p.regions[0] if len(p.regions) == 1 else UNKNOWN
                self.codes[p.code] = (n.ROUTES[2], _known(region))

    def turn(self, platform: str, before: Session | None, turn: Turn) -> Counted:
        """The figures this turn adds (possibly none)."""
        after = turn.session
        code = (after or before or _NO_SESSION).entry_code
        route, region = self.codes.get(code or "", (n.ROUTES[0], UNKNOWN))
        found: list[str] = []
        if after is not None and before is None:
            found += [n.CONVERSATIONS, n.LANGUAGE + after.lang, route]
            if platform in n.PLATFORMS:
                found.append(f"transport.{n.PLATFORMS[platform]}")
        elif after is not None and before is not None and after.lang != before.lang:
            found.append(n.LANGUAGE + after.lang)
        for reply in turn.replies:
            if isinstance(reply, Message) and reply.urgent:
                found.append(n.DANGER + self.kinds.get(reply.node, GENERAL))
            elif isinstance(reply, Erase):
                found.append(n.ERASURES)
        if after is not None and (before is None or before.node != after.node):
            found += self._arrived(after)
        return Counted(region, tuple(found))

    def _arrived(self, session: Session) -> list[str]:
        """What a screen the resident just arrived at shows: Veilig Thuis, trusted persons."""
        node = self.nodes.get(session.node)
        if node is None:
            return []
        shown: list[str] = []
        contacts = node.contacts_for(session.region)
        if node.handoff == "veilig_thuis" or any(c.startswith("veilig_thuis") for c in contacts):
            shown.append(n.VEILIG_THUIS)
        if node.handoff == "trusted_person":
            shown.append(n.TRUSTED[0])
        return shown


_NO_SESSION = Session("", "", "", 0, 0)


def _known(region: str | None) -> str:
    """A region the figures know, or unknown."""
    return region if region in n.REGIONS else UNKNOWN
