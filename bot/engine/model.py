"""The immutable dialogue model that the loader builds and the engine walks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Action = Literal["restart", "language", "erase", "danger", "help", "relay"]
# relay: ask to chat with a trusted person now, through the bot (bot/relay/)
ACTIONS: tuple[str, ...] = ("restart", "language", "erase", "danger", "help", "relay")
HANDOFFS: tuple[str, ...] = ("veilig_thuis", "trusted_person")
COSTS: tuple[str, ...] = ("free", "local", "paid", "unstated")
ANONYMITY: tuple[str, ...] = ("anonymous", "advice_anonymous", "named", "unstated")


@dataclass(frozen=True)
class Origin:
    """Where a piece of the dialogue was written: for error messages."""

    file: str
    line: int


@dataclass(frozen=True)
class Option:
    """One choice on a node: it either goes to a node or performs an action."""

    id: str
    label: str
    goto: str | None = None
    action: Action | None = None
    routes: tuple[str, ...] = ()
    region: str | None = None  # sets the session's region ("none" forgets it)


@dataclass(frozen=True)
class Node:
    """One screen of the conversation. `text` is the Dutch source text."""

    id: str
    text: str
    options: tuple[Option, ...]
    contacts: tuple[str, ...] = ()
    handoff: str | None = None
    urgent: bool = False
    regional: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # region -> contacts

    def option(self, option_id: str) -> Option | None:
        """The option with this id on this node, if any."""
        for opt in self.options:
            if opt.id == option_id:
                return opt
        return None

    @property
    def is_help(self) -> bool:
        """A help route: the node shows contacts or hands the resident to a person."""
        return bool(self.contacts) or self.handoff is not None

    def contacts_for(self, region: str | None) -> tuple[str, ...]:
        """The contacts to show: the node's own, then those for the resident's region."""
        extra = self.regional.get(region or "", self.regional.get("default", ()))
        return self.contacts + tuple(c for c in extra if c not in self.contacts)


@dataclass(frozen=True)
class Intent:
    """What a resident may mean in free text, on any screen, and where it leads.

    `words` are rules (terms.py syntax) and `examples` are whole lines, both in Dutch; their
    translations live in the catalogs, so each language has its own.
    """

    name: str
    goto: str | None
    action: str | None  # an Action, or "greet": the opening, in the language of the text
    words: tuple[str, ...]
    examples: tuple[str, ...]
    weak: bool = False  # only when nothing more specific is meant (greetings, thanks)
    # danger kinds that this intent's rules are read before ("I hit my wife, I want to stop")
    before_danger: frozenset[str] = frozenset()
    # a request that beats any topic named with it ("wis alles, hij kijkt in mijn telefoon")
    wins: bool = False


@dataclass(frozen=True)
class Interval:
    """Opening interval on one weekday (0 = Monday), minutes since midnight, local time."""

    weekday: int
    start: int
    end: int


@dataclass(frozen=True)
class Hours:
    """Opening hours of a contact. `always` means day and night, every day."""

    always: bool
    intervals: tuple[Interval, ...] = ()
    tz: dt.tzinfo = dt.UTC
    holidays: bool = False  # closed on Dutch public holidays
    usually: bool = False  # the source says "usually": say so when it is open


@dataclass(frozen=True)
class Contact:
    """A place to get help, with the facts the bot may show and where they come from."""

    id: str
    name: str
    phone: str | None
    url: str | None
    cost: str
    anonymity: str
    hours: Hours | None
    note: str
    source: str
    last_verified: dt.date
    urgent: bool = False


@dataclass(frozen=True)
class TrustedPerson:
    """A trusted person (vertrouwenspersoon) from a community, who shares the bot's link.

    `code` is the entry code in their link; a resident who arrives with it is offered this
    person first. Nothing about a resident is ever passed to a trusted person.
    """

    id: str
    name: str
    languages: tuple[str, ...]
    regions: tuple[str, ...]
    phone: str | None = None
    messenger: str | None = None
    walk_in: str | None = None
    hours: Hours | None = None
    code: str | None = None


@dataclass(frozen=True)
class Command:
    """A global command, available on every node, by button, slash command or words."""

    name: Action
    label: str
    words: tuple[str, ...]
    button: bool


@dataclass(frozen=True)
class Dialogue:
    """A whole validated conversation: nodes, contacts, commands and system texts."""

    version: str
    entry: str
    danger_node: str
    help_node: str
    nodes: Mapping[str, Node]
    contacts: Mapping[str, Contact]
    commands: Mapping[str, Command]
    system: Mapping[str, str]
    entry_codes: Mapping[str, str] = field(default_factory=dict)
    entry_regions: Mapping[str, str] = field(default_factory=dict)  # campaign code -> region
    trusted: Mapping[str, TrustedPerson] = field(default_factory=dict)
    regions: Mapping[str, str] = field(default_factory=dict)  # region id -> display name
    # danger kind (or "possible") -> its first screen; kinds not listed open danger_node
    danger_screens: Mapping[str, str] = field(default_factory=dict)
    intents: Mapping[str, Intent] = field(default_factory=dict)
    situations: Mapping[str, str] = field(default_factory=dict)  # who the bot is for -> node
    origins: Mapping[str, Origin] = field(default_factory=dict)
