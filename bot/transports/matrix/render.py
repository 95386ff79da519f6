"""Between Matrix events and the neutral model: replies as HTML plus plain text, events as inputs."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.engine.numbered import choices, listing
from bot.engine.replies import Button, Message

HTML_FORMAT = "org.matrix.custom.html"
TEXT_TYPES = frozenset({"m.text", "m.notice", "m.emote"})
START = re.compile(r"^\s*/?start\s+(\S{1,32})\s*$", re.IGNORECASE)


def content(msg: Message) -> dict[str, Any]:
    """An m.room.message content: the text, then the numbered choices, as HTML and plain text."""
    shown = choices(msg)
    plain = msg.text
    if shown:
        plain += "\n\n" + "\n".join(listing(msg))
    return {
        "msgtype": "m.text",
        "body": plain,
        "format": HTML_FORMAT,
        "formatted_body": _html(msg, shown),
    }


def _html(msg: Message, choices: tuple[Button, ...]) -> str:
    paragraphs = [p for p in msg.text.split("\n\n") if p.strip()]
    body = "".join(f"<p>{_linked(msg, p)}</p>" for p in paragraphs)
    if choices:
        body += "<ol>" + "".join(f"<li>{html.escape(b.label)}</li>" for b in choices) + "</ol>"
    return f'<div dir="rtl">{body}</div>' if msg.rtl else body


def _linked(msg: Message, paragraph: str) -> str:
    """Escaped text with line breaks, and phone numbers of the message's contacts as tel: links."""
    out = html.escape(paragraph).replace("\n", "<br>")
    for card in msg.contacts:
        if card.phone and html.escape(card.phone) in out:
            target = re.sub(r"[^\d+]", "", card.phone)
            link = f'<a href="tel:{target}">{html.escape(card.phone)}</a>'
            out = out.replace(html.escape(card.phone), link, 1)
    return out


@dataclass(frozen=True)
class Incoming:
    """What a resident's event is: text (with its words) or something the bot does not read."""

    kind: str  # "text" | "edit" | "unsupported" | "ignore"
    text: str = ""
    caption: str | None = None  # text sent with a file or image (checked for danger words)


def classify(source: Mapping[str, Any]) -> Incoming:
    """Sort a (decrypted) room event; edits count as their new text, replies lose the quote."""
    etype = source.get("type")
    body: Any = source.get("content") or {}
    if etype == "m.sticker":
        return Incoming("unsupported", "sticker")
    if etype != "m.room.message" or not isinstance(body, Mapping):
        return Incoming("ignore")
    edited = isinstance(body.get("m.new_content"), Mapping)
    if edited:
        body = body["m.new_content"]
    msgtype = body.get("msgtype")
    if msgtype in TEXT_TYPES:
        # An edit is read again for danger only (see inputs.Edited).
        return Incoming("edit" if edited else "text", strip_reply(str(body.get("body", ""))))
    if isinstance(msgtype, str):
        # Since Matrix 1.10 a media event's body is a caption when a separate filename is given.
        name, caption = body.get("filename"), body.get("body")
        typed = str(caption) if name and caption and caption != name else None
        return Incoming("unsupported", msgtype.removeprefix("m."), typed)
    return Incoming("ignore")


def strip_reply(text: str) -> str:
    """Drop the quoted fallback ('> <@bot> ...' lines) that clients put above a reply."""
    lines = text.split("\n")
    if not lines or not lines[0].startswith("> "):
        return text
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    return "\n".join(lines).lstrip("\n")


def entry_code(text: str, codes: Iterable[str]) -> str | None:
    """The code in 'start K3F9' (spelled as the dialogue spells it), or None for other text."""
    found = START.match(text)
    if found is None:
        return None
    typed = found.group(1)
    return next((c for c in codes if c.casefold() == typed.casefold()), typed)
