"""Checks on slips people make while typing content: a placeholder field a contact does not
have, a number typed by hand, a setting that slipped into a text by its indentation, a contact
no screen shows, a check date in the future, and route words that are also commands."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from bot.engine.model import Contact, Dialogue, Node
from bot.engine.problem import Problem, found
from bot.engine.text import normalise, phone_numbers, placeholders

FIELDS = ("name", "phone", "url")
# Keys of a node, an option or a contact: a text line that starts with one of them, or any
# `word: [..]` line, is a setting that was indented too far and became part of the text.
SETTING_KEYS = (
    "text|options|contacts|handoff|urgent|regional|id|label|goto|action|routes|region|"
    "name|phone|url|cost|anonymity|hours|note|source|last_verified"
)
_SETTING = re.compile(rf"(?:^|\s)((?:{SETTING_KEYS}):\s+\S.*|[a-z_]+:\s*\[[^\]]*\])\s*$", re.M)


def contact_fields(c: Contact) -> tuple[str, ...]:
    """The placeholder fields this contact can fill in."""
    return tuple(f for f in FIELDS if f == "name" or getattr(c, f))


def placeholder_problem(d: Dialogue, name: str) -> str | None:
    """Why {name} cannot be filled in, with what can be; None when it can."""
    if name == "emergency":
        return None
    cid, _, field = name.partition(".")
    contact = d.contacts.get(cid)
    if contact is None or not field:
        some = ", ".join(f"{{{c}.phone}}" for c in list(d.contacts)[:3])
        return (
            f"unknown placeholder {{{name}}}: write {{emergency}} for 112, or "
            f"{{<contact>.name|phone|url}} with a contact from contacts.yaml, e.g. {some}"
        )
    if field in contact_fields(contact):
        return None
    has = ", ".join(f"{{{cid}.{f}}}" for f in contact_fields(contact))
    return f"unknown placeholder {{{name}}}: contact '{cid}' has no {field}; it has {has}"


def placeholder_findings(d: Dialogue) -> Iterator[Problem]:
    """Every placeholder in node texts and contact notes names a field its contact has."""
    for node in d.nodes.values():
        for name in sorted(placeholders(node.text)):
            if (why := placeholder_problem(d, name)) is not None:
                yield found(d.origins, "error", "placeholder", why, f"node:{node.id}", node.id)
    for c in d.contacts.values():
        for name in sorted(placeholders(c.note)):
            if (why := placeholder_problem(d, name)) is not None:
                yield found(
                    d.origins, "error", "placeholder", f"note of '{c.id}': {why}", f"contact:{c.id}"
                )


def typed_numbers(text: str) -> list[str]:
    """Phone numbers typed by hand: 112, or a number of 5+ digits or starting with 0 or +.
    Years (2026), ages and times are not numbers to call."""
    bare = re.sub(r"\b\d{1,2}[:.]\d{2}\b", " ", text)  # 09:00 is a time
    return [n for n in phone_numbers(bare) if n == "112" or len(n) >= 5 or n.startswith("0")]


def typed_number_findings(d: Dialogue) -> Iterator[Problem]:
    """Numbers belong in contacts.yaml and reach texts as {contact.phone} or {emergency}."""
    for node in d.nodes.values():
        texts = [("text", node.text), *((f"label of '{o.id}'", o.label) for o in node.options)]
        for what, text in texts:
            for number in typed_numbers(text):
                yield found(
                    d.origins,
                    "error",
                    "phone_by_hand",
                    _by_hand(d, what, number),
                    f"text:{node.id}",
                    node.id,
                )
    for c in d.contacts.values():
        for number in typed_numbers(c.note):
            msg = _by_hand(d, f"note of '{c.id}'", number)
            yield found(d.origins, "error", "phone_by_hand", msg, f"contact:{c.id}")


def _by_hand(d: Dialogue, what: str, number: str) -> str:
    if number == "112":
        return f"{what}: 112 is typed by hand; write {{emergency}}, e.g. 'Bel {{emergency}}.'"
    owner = next((c for c in d.contacts.values() if _digits(c.phone) == number), None)
    hint = f"{{{owner.id}.phone}}" if owner else "{<contact>.phone} (add the contact first)"
    return (
        f"{what}: number {number} is typed by hand; write {hint}, so it is filled in from "
        "contacts.yaml and translators cannot break it"
    )


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")


def misplaced_settings(d: Dialogue) -> Iterator[Problem]:
    """A line such as `contacts: [juridisch_loket]` inside a text: indented too far, it became
    part of the text above it, and the setting itself is lost."""
    for node in d.nodes.values():
        for hit in _SETTING.finditer(node.text):
            yield _misplaced(d, hit[1].strip(), "text", f"text:{node.id}", node.id)
    for c in d.contacts.values():
        for hit in _SETTING.finditer(c.note):
            yield _misplaced(d, hit[1].strip(), "note", f"contact:{c.id}", "")
    keys = "|".join(map(re.escape, d.system))
    swallowed = re.compile(rf"^\s*((?:{keys}):\s+\S.*)$", re.M)  # the next system text
    for key, text in d.system.items():
        for hit in swallowed.finditer(text):
            yield _misplaced(d, hit[1].strip(), f"system text '{key}'", f"system:{key}", "")


def _misplaced(d: Dialogue, line: str, field: str, where: str, node: str) -> Problem:
    key = line.split(":")[0]
    msg = (
        f"the {field} contains '{line}', which looks like a setting: it is indented further "
        f"than the setting above it, so it became part of the text. Indent '{key}:' exactly "
        "as far as the setting above it (or, if it is meant as text, write it without the colon)"
    )
    return found(d.origins, "error", "misplaced_setting", msg, where, node)


def unused_contacts(d: Dialogue) -> Iterator[Problem]:
    """A contact that no screen shows (as a card, a handoff or a placeholder) helps nobody."""
    used: set[str] = set()
    for node in d.nodes.values():
        used |= {*node.contacts, *(c for cs in node.regional.values() for c in cs)}
        used |= {node.handoff or ""} | _placeholder_contacts(node)
    for text in (*d.system.values(), *(c.note for c in d.contacts.values())):
        used |= {p.split(".")[0] for p in placeholders(text)}
    for cid in d.contacts.keys() - used:
        yield found(
            d.origins,
            "warning",
            "contact_unused",
            f"contact '{cid}' is never shown: add it to a node, e.g. contacts: [{cid}], "
            "or remove it",
            f"contact:{cid}",
        )


def _placeholder_contacts(node: Node) -> set[str]:
    return {p.split(".")[0] for p in placeholders(node.text)}


def future_checks(d: Dialogue, today: dt.date) -> Iterator[Problem]:
    """A last_verified date after today is a typing error (and would hide a stale contact)."""
    for c in d.contacts.values():
        if c.last_verified > today:
            yield found(
                d.origins,
                "error",
                "verified_in_future",
                f"contact '{c.id}': last_verified {c.last_verified} lies in the future; write "
                f"the day you checked the facts, e.g. last_verified: {today.isoformat()}",
                f"last_verified:{c.id}",
            )


def dead_routes(d: Dialogue) -> Iterator[Problem]:
    """A route word that is also a command word always runs the command: the route is dead."""
    commands = {
        normalise(w).strip(): c.name
        for c in d.commands.values()
        for w in (c.name, c.label, *c.words)
    }
    for node in d.nodes.values():
        for n, opt in enumerate(node.options):
            for word in opt.routes:
                cmd = commands.get(normalise(word).strip())
                if cmd is None:
                    continue
                yield found(
                    d.origins,
                    "error",
                    "route_is_command",
                    f"option {n + 1} (label '{opt.label}'): route word '{word}' is also a word "
                    f"of the command '{cmd}', so typing it runs '{cmd}' and never this option; "
                    "use another word, e.g. a longer phrase",
                    f"option:{node.id}.{opt.id}",
                    node.id,
                )
