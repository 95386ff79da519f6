"""The storage port of the live relay to trusted persons (the other ports: base.py): trusted
persons who enrolled (their chat sealed, never a resident's), one-time invite codes (as HMACs),
and the live relays (two keys and times, expiring; never text)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Protocol

INVITE_LIFE = 7 * 24 * 3600  # seconds a one-time invite code is valid (relay/desk.py)


@dataclass(frozen=True)
class Helper:
    """A trusted person who enrolled: their directory id and their own chat with the bot.

    Only trusted persons who agreed are stored like this; a resident's chat never is.
    """

    person: str  # the id in the trusted-person directory
    key: str  # HMAC of platform and chat id: how their messages are recognised
    platform: str
    sealed: str  # their chat id, sealed with the secret (Keyer.seal): to write to them
    available: bool = False
    reports: int = 0  # "Er klopt iets niet" from residents, for the coordinator; no content


@dataclass(frozen=True)
class Pairing:
    """One relay between a resident and a trusted person, by keys only. Never any text."""

    id: str  # random, tells nothing
    resident: str  # the resident's conversation key (HMAC)
    person: str  # the trusted person offered ("offered") or talking ("active")
    state: str  # offered | active
    started: int
    touched: int  # when the current offer went out, or the last message
    tried: tuple[str, ...] = ()  # persons offered before, who declined or did not answer
    tag: str = ""  # the resident's pseudonym in this relay ("Bewoner 27")

    def to_json(self) -> str:
        """Compact JSON (the stores keep it as one value)."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, raw: str) -> Pairing:
        data = json.loads(raw)
        return cls(**{**data, "tried": tuple(data.get("tried", ()))})


class RelayStore(Protocol):
    """Enrolled trusted persons, invite codes (HMACs) and live relays (expiring)."""

    async def invite(self, code_key: str, person: str, expires: int) -> None:
        """Remember a one-time code (its HMAC) for a person until `expires`."""
        ...

    async def redeem(self, code_key: str, now: int) -> str | None:
        """The person of an unexpired code, which is used up; None for any other code."""
        ...

    async def enrol(self, helper: Helper) -> None:
        """Store or replace a person's link (one chat per person; a new link replaces it)."""
        ...

    async def helper(self, key: str) -> Helper | None:
        """The enrolled person whose chat has this key, if any."""
        ...

    async def helpers(self) -> list[Helper]:
        """Every enrolled person, by directory id."""
        ...

    async def save_pairing(self, pairing: Pairing, expires: int) -> None:
        """Store or replace a relay; it is gone at `expires` even if nobody ends it."""
        ...

    async def pairing(self, relay_id: str, now: int) -> Pairing | None:
        """A relay unless it ended or expired."""
        ...

    async def pairings(self, now: int) -> list[Pairing]:
        """Every relay that has not expired (and drops the expired ones)."""
        ...

    async def drop_pairing(self, relay_id: str) -> None:
        """Forget a relay."""
        ...
