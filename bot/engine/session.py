"""The session: the minimum the bot remembers between two messages. JSON-serialisable."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Session:
    """Where a conversation stands. Holds no text, name, number or platform id.

    `screen` is set while an engine screen (the language list) is shown over `node`.
    Times are whole seconds since the epoch, passed in by the caller.
    """

    node: str
    lang: str
    version: str
    started: int
    updated: int
    entry_code: str | None = None
    screen: str | None = None
    region: str | None = None
    misses: int = 0  # "not understood" answers in a row: the second one offers help
    relay: str | None = None  # the live relay (bot/relay/) this resident is in or waits for
    # The platform update this state answers (an HMAC, set by the runner): an update delivered
    # again after a crash between saving and recording it as answered is not answered twice.
    handled: str | None = None

    def to_json(self) -> str:
        """Serialise to compact JSON (every field is a plain value: no deep copy needed)."""
        data = {name: getattr(self, name) for name in _FIELDS}
        return json.dumps(data, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> Session | None:
        """Parse JSON written by any version; unknown fields are dropped, bad data gives None."""
        try:
            data: Any = json.loads(raw)
            return cls(**{k: v for k, v in data.items() if k in _KNOWN})
        except (ValueError, TypeError, AttributeError):
            return None

    def at(self, node: str, now: int) -> Session:
        """The same session moved to another node (built directly: this is the hot path)."""
        return Session(
            node,
            self.lang,
            self.version,
            self.started,
            now,
            self.entry_code,
            None,
            self.region,
            0,
            self.relay,
        )

    def touch(self, now: int) -> Session:
        """The same session, active at `now`."""
        return Session(
            self.node,
            self.lang,
            self.version,
            self.started,
            now,
            self.entry_code,
            self.screen,
            self.region,
            self.misses,
            self.relay,
        )


_FIELDS = tuple(sorted(f.name for f in fields(Session)))
_KNOWN = frozenset(_FIELDS)
