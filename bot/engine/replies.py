"""What the bot says back, in one neutral model that every transport renders."""

from __future__ import annotations

from dataclasses import dataclass

from bot.engine.session import Session


@dataclass(frozen=True)
class Button:
    """A choice shown to the resident. `id` is short and safe to use as callback data."""

    id: str
    label: str


@dataclass(frozen=True)
class ContactCard:
    """Structured data of a contact in a message, for transports that can add a call link."""

    id: str
    name: str
    phone: str | None
    url: str | None


@dataclass(frozen=True)
class Message:
    """One message. `text` is complete: it always ends with the acute-danger line.

    `options` belong to the node; `commands` are the global buttons (erase, language, ...).
    `urgent` marks acute-danger replies, which transports send before anything else.
    `ephemeral` messages (the erase confirmation) should disappear after a few seconds.
    """

    text: str
    node: str
    lang: str
    options: tuple[Button, ...] = ()
    commands: tuple[Button, ...] = ()
    contacts: tuple[ContactCard, ...] = ()
    urgent: bool = False
    rtl: bool = False
    ephemeral: bool = False


@dataclass(frozen=True)
class Erase:
    """Delete every message of this conversation that can still be deleted, then forget it."""


@dataclass(frozen=True)
class Handoff:
    """The resident asked to be put in touch with Veilig Thuis or a trusted person."""

    target: str
    contacts: tuple[str, ...] = ()


@dataclass(frozen=True)
class RelayAsk:
    """The resident asked to chat with a trusted person now. The runner's relay service
    answers it (only it knows who is available): a search, or Veilig Thuis and 112 at once."""


Reply = Message | Erase | Handoff | RelayAsk


@dataclass(frozen=True)
class Turn:
    """The result of one input: the new session (None: forget it) and what to send."""

    session: Session | None
    replies: tuple[Reply, ...]

    @property
    def urgent(self) -> bool:
        """True when this turn answers acute danger."""
        return any(isinstance(r, Message) and r.urgent for r in self.replies)
