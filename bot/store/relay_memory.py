"""The RelayStore in memory, for the terminal chat and tests: forgotten at exit."""

from __future__ import annotations

from bot.store.base import Helper, Pairing


class MemoryRelay:
    """Invites, enrolled trusted persons and relays in dicts; behaves like the SQLite one."""

    def __init__(self) -> None:
        self._invites: dict[str, tuple[str, int]] = {}
        self._helpers: dict[str, Helper] = {}
        self._pairings: dict[str, tuple[str, int]] = {}  # id -> (JSON, expires)

    async def invite(self, code_key: str, person: str, expires: int) -> None:
        """Remember a code's HMAC."""
        self._invites[code_key] = (person, expires)

    async def redeem(self, code_key: str, now: int) -> str | None:
        """Use a code up."""
        person, expires = self._invites.pop(code_key, ("", 0))
        return person if expires > now else None

    async def enrol(self, helper: Helper) -> None:
        """One chat per person; a chat belongs to one person."""
        for old in [p for p, h in self._helpers.items() if h.key == helper.key]:
            del self._helpers[old]
        self._helpers[helper.person] = helper

    async def helper(self, key: str) -> Helper | None:
        """By chat key."""
        return next((h for h in self._helpers.values() if h.key == key), None)

    async def helpers(self) -> list[Helper]:
        """Sorted by person id."""
        return [self._helpers[p] for p in sorted(self._helpers)]

    async def save_pairing(self, pairing: Pairing, expires: int) -> None:
        """As JSON, like the SQLite store."""
        self._pairings[pairing.id] = (pairing.to_json(), expires)

    async def pairing(self, relay_id: str, now: int) -> Pairing | None:
        """Unless expired."""
        row = self._pairings.get(relay_id)
        return Pairing.from_json(row[0]) if row and row[1] > now else None

    async def pairings(self, now: int) -> list[Pairing]:
        """Live ones, oldest first; expired ones are dropped."""
        for old in [k for k, (_, exp) in self._pairings.items() if exp <= now]:
            del self._pairings[old]
        found = [Pairing.from_json(raw) for raw, _ in self._pairings.values()]
        return sorted(found, key=lambda p: (p.started, p.id))

    async def drop_pairing(self, relay_id: str) -> None:
        """Forget."""
        self._pairings.pop(relay_id, None)
