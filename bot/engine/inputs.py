"""What a resident can do, in one neutral model that every transport maps to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Start:
    """A new conversation, maybe from a deep link with an entry code and a language hint."""

    code: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class Text:
    """Free text typed by the resident. Never stored, never logged."""

    text: str


@dataclass(frozen=True)
class Choice:
    """A pressed button. `node` is the node the button was shown on, if the transport knows it."""

    option: str
    node: str | None = None


@dataclass(frozen=True)
class Command:
    """A global command: restart, language, erase, danger or help."""

    name: str


@dataclass(frozen=True)
class Unsupported:
    """Anything that is not text: a photo, voice message, sticker, location or contact.

    `caption` is text typed with it (a photo's caption): checked for danger words only.
    """

    kind: str
    caption: str | None = None


@dataclass(frozen=True)
class Edited:
    """A message the resident changed after sending it: read again for danger words only.

    Someone may first write something harmless and then, once it feels safe, edit in what is
    really happening. An edit without danger gets no reply (the conversation has moved on).
    """

    text: str


Input = Start | Text | Choice | Command | Unsupported | Edited
