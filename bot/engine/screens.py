"""Screens: how a node becomes a message (texts, contacts, people, buttons, the 112 line).

A mixin of the engine: it owns "112 on every message" (`_message` is the one place a Message
is built) and the memoised translations, labels and contact blocks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from bot.engine.hours import status
from bot.engine.model import Contact, Dialogue, Hours, Node, TrustedPerson
from bot.engine.replies import Button, ContactCard, Message
from bot.engine.session import Session
from bot.engine.text import fill, isolate_numbers, placeholders
from bot.engine.translate import Translator

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # a notice depends on no time

MAX_PEOPLE = 3  # trusted persons listed at once: enough to choose, few enough to read


class Screens:
    """Rendering for the engine; the attributes are set by Engine.__init__."""

    dialogue: Dialogue
    tr: Translator
    _values: dict[str, str]
    _texts: dict[tuple[str, str, str], str]
    _buttons: dict[tuple[str, str], tuple[Button, ...]]
    _command_buttons: dict[str, tuple[Button, ...]]
    _contact_cache: dict[tuple[str, str], tuple[list[str], list[str]]]

    def _render(
        self,
        s: Session,
        now: dt.datetime,
        notes: tuple[str, ...],
        body: bool = True,
        after: tuple[str, ...] = (),
    ) -> Message:
        node = self.dialogue.nodes[s.node]
        parts = list(notes)
        if body or not notes:
            parts.append(self._t(s.lang, f"{node.id}.text", node.text))
            contacts = node.contacts_for(s.region)
            parts.extend(self._contact(s.lang, self.dialogue.contacts[c], now) for c in contacts)
            if node.handoff == "trusted_person":
                parts.extend(self._people(s, now))
        parts.extend(after)
        buttons = self._option_buttons(s.lang, node)
        cards = tuple(
            ContactCard(c.id, c.name, c.phone, c.url)
            for c in (self.dialogue.contacts[cid] for cid in node.contacts_for(s.region))
        )
        urgent = node.urgent and body
        return self._message(
            s, node.id, "\n\n".join(parts), now, buttons, cards=cards, urgent=urgent
        )

    def _language_screen(self, s: Session, now: dt.datetime, note: str | None = None) -> Message:
        text = "\n\n".join(p for p in (note, self._sys(s, "choose_language")) if p)
        buttons = tuple(
            Button(f"lang.{code}", self.tr.native_name(code)) for code in self.tr.languages
        )
        return self._message(s, s.node, text, now, buttons)

    def _message(
        self,
        s: Session,
        node: str,
        text: str,
        now: dt.datetime,
        options: tuple[Button, ...],
        cards: tuple[ContactCard, ...] = (),
        urgent: bool = False,
        ephemeral: bool = False,
    ) -> Message:
        """The one place that builds a Message: the acute-danger line is always added here."""
        full = f"{text}\n\n{self._sys(s, 'emergency')}"
        commands = () if ephemeral else self._commands(s.lang)
        rtl = self.tr.is_rtl(s.lang)
        return Message(full, node, s.lang, options, commands, cards, urgent, rtl, ephemeral)

    def notice(self, lang: str, key: str) -> Message:
        """A line a transport shows on its own (leaving a group chat): built by `_message`
        like every screen, so it carries the acute-danger line too. No buttons."""
        lang = lang if lang in self.tr.languages else self.tr.languages[0]
        s = Session("", lang, self.dialogue.version, 0, 0)
        msg = self._message(s, "", self._system(lang, key), _EPOCH, ())
        return replace(msg, commands=())

    def fallback(self, lang: str) -> Message:
        """What a resident gets when answering failed: a short apology and the 112 line, in
        their language; in Dutch, or "112" alone, if even that cannot be rendered."""
        try:
            return self.notice(lang, "error")
        except Exception:  # the broken part may be the translations themselves
            line = self.dialogue.system.get("emergency", "{emergency}")
            text = f"{self.dialogue.system.get('error', '')}\n\n{fill(line, self._values, False)}"
            return Message(text.strip() or "112", "", "nl")

    def _option_buttons(self, lang: str, node: Node) -> tuple[Button, ...]:
        key = (lang, node.id)
        if key not in self._buttons:
            self._buttons[key] = tuple(
                Button(o.id, self._t(lang, f"{node.id}.option.{o.id}", o.label))
                for o in node.options
            )
        return self._buttons[key]

    def _commands(self, lang: str) -> tuple[Button, ...]:
        if lang not in self._command_buttons:
            self._command_buttons[lang] = tuple(
                Button(f"cmd.{c.name}", self._t(lang, f"command.{c.name}.label", c.label))
                for c in self.dialogue.commands.values()
                if c.button
            )
        return self._command_buttons[lang]

    def _contact(self, lang: str, c: Contact, now: dt.datetime) -> str:
        """A contact block: name and number, note, then cost, anonymity and opening status."""
        lines, facts = self._contact_parts(lang, c)
        if c.hours is not None:
            facts = [*facts, self._hours(lang, c, now)]
        return "\n".join([*lines, " ".join(facts)] if facts else lines)

    def _contact_parts(self, lang: str, c: Contact) -> tuple[list[str], list[str]]:
        """The parts of a contact block that do not depend on the time (memoised)."""
        key = (lang, c.id)
        if key not in self._contact_cache:
            reach = [f"{{{c.id}.{f}}}" for f, v in (("phone", c.phone), ("url", c.url)) if v]
            lines = [self._fill(lang, f"{c.name}: {' · '.join(reach)}")]
            if c.note:
                lines.append(self._t(lang, f"contact.{c.id}.note", c.note))
            facts = [self._system(lang, f"cost_{c.cost}")] if c.cost != "unstated" else []
            if c.anonymity != "unstated":
                facts.append(self._system(lang, f"anon_{c.anonymity}"))
            self._contact_cache[key] = (lines, facts)
        return self._contact_cache[key]

    def _hours(self, lang: str, c: Contact, now: dt.datetime) -> str:
        assert c.hours is not None
        return self._status(lang, c.hours, now, "")

    def _status(self, lang: str, hours: Hours, now: dt.datetime, prefix: str) -> str:
        """'Open now, until 17:00' or when it opens next; `prefix` picks the person variants."""
        st = status(hours, now)
        if st.always:
            return self._system(lang, f"{prefix}open_always")
        if st.open and st.until is not None:
            key = f"{prefix}{'usually_' if hours.usually else ''}open_now"
            return self._system(lang, key, time=st.until.strftime("%H:%M"))
        if st.next_open is None:
            return self._system(lang, f"{prefix}closed")
        days = (st.next_open.date() - now.astimezone(hours.tz).date()).days
        key = {0: "opens_today", 1: "opens_tomorrow"}.get(days, "opens_day")
        day = self.tr.day_name(lang, st.next_open.weekday())
        return self._system(lang, prefix + key, time=st.next_open.strftime("%H:%M"), day=day)

    def _people(self, s: Session, now: dt.datetime) -> list[str]:
        """Trusted persons for this resident: the one whose link they used, then their language."""
        people = list(self.dialogue.trusted.values())
        first = [p for p in people if s.entry_code and p.code == s.entry_code]
        speakers = [p for p in people if s.lang in p.languages and p not in first]
        local = [p for p in speakers if s.region in p.regions]
        chosen = (first + (local or speakers))[:MAX_PEOPLE]
        if not chosen:
            return [self._sys(s, "trusted_none")]
        blocks = [self._person(s.lang, p, now) for p in chosen]
        if first:
            blocks[0] = f"{self._sys(s, 'trusted_from_link')}\n{blocks[0]}"
        return blocks

    def _person(self, lang: str, p: TrustedPerson, now: dt.datetime) -> str:
        langs = ", ".join(self.tr.native_name(code) for code in p.languages)
        places = ", ".join(self.dialogue.regions.get(r, r) for r in p.regions)
        lines = [f"{p.name} ({langs}; {places})"]
        for key, value in (
            ("reach_phone", p.phone),
            ("reach_messenger", p.messenger),
            ("reach_walk_in", p.walk_in),
        ):
            if value:
                lines.append(self._system(lang, key, value=value))
        if p.hours is not None:
            lines.append(self._status(lang, p.hours, now, "person_"))
        return "\n".join(lines)

    # ----------------------------------------------------------------- texts
    def _sys(self, s: Session, key: str) -> str:
        return self._system(s.lang, key)

    def _system(self, lang: str, key: str, **extra: str) -> str:
        return self._t(lang, f"system.{key}", self.dialogue.system[key], extra or None)

    def _t(
        self, lang: str, context: str, source: str, extra: Mapping[str, str] | None = None
    ) -> str:
        """Translate; a translation whose placeholders differ from the source is not used."""
        if extra is None:
            key = (lang, context, source)
            cached = self._texts.get(key)
            if cached is None:
                cached = self._texts[key] = self._translate(lang, context, source, None)
            return cached
        return self._translate(lang, context, source, extra)

    def _translate(
        self, lang: str, context: str, source: str, extra: Mapping[str, str] | None
    ) -> str:
        text = self.tr.text(lang, context, source)
        if text is not source and placeholders(text) != placeholders(source):
            text = source
        return self._fill(lang, text, extra)

    def _fill(self, lang: str, text: str, extra: Mapping[str, str] | None = None) -> str:
        rtl = self.tr.is_rtl(lang)
        values = {**self._values, **extra} if extra else self._values
        return fill(isolate_numbers(text) if rtl else text, values, rtl)
