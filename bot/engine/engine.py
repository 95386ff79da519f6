"""The engine: (session, input, now) -> (session, replies). Pure: no I/O, no clock reads.

Split by concern: this module holds the entry points and the transitions between screens;
reading.py reads free text (danger, meaning), routes.py matches typed answers to a screen's
options, screens.py renders a node into a message (and adds the 112 line to every one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import replace

from bot.engine import inputs as i
from bot.engine.language import guess
from bot.engine.model import Contact, Dialogue, Option
from bot.engine.reading import Reading
from bot.engine.relaying import RelayScreens
from bot.engine.replies import Button, Erase, Handoff, Message, Reply, Turn
from bot.engine.routes import LANGUAGE_SCREEN, ROUTE_WINDOW, SOURCE_LANG
from bot.engine.safety import Detector, Lexicon
from bot.engine.session import Session
from bot.engine.text import clean, normalise
from bot.engine.translate import Translator
from bot.engine.understand import Understanding

EMERGENCY_NUMBER = "112"
__all__ = ["Engine", "Turn"]


class Engine(Reading, RelayScreens):
    """Walks a validated Dialogue. Holds only immutable data and deterministic caches."""

    def __init__(
        self,
        dialogue: Dialogue,
        translator: Translator,
        lexicons: Mapping[str, Lexicon] | None,
        detector: Detector | None = None,
        understand: bool = True,
        understanding: Understanding | None = None,
    ) -> None:
        """`detector` and `understanding` may come ready-made (shared, or from the compiled
        content cache); otherwise they are built from `lexicons` and the dialogue's intents."""
        self.dialogue = dialogue
        self.tr = translator
        self._values = _placeholder_values(dialogue.contacts)
        self._person_codes = {p.code: p.id for p in dialogue.trusted.values() if p.code}
        self._matchers: dict[tuple[str, str], list[tuple[str, tuple[str, ...]]]] = {}
        self._command_words: dict[str, dict[str, str]] = {}
        # Translations and labels never change while the engine lives: memoise them.
        self._texts: dict[tuple[str, str, str], str] = {}
        self._buttons: dict[tuple[str, str], tuple[Button, ...]] = {}
        self._command_buttons: dict[str, tuple[Button, ...]] = {}
        self._contact_cache: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        if detector is None:
            if lexicons is None:
                raise ValueError("an engine needs lexicons or a detector")
            detector = Detector(lexicons)
        self.detector = detector
        # Free text on any screen; `understand=False` gives round 1 (options and commands).
        if understand and understanding is None:
            understanding = Understanding(dialogue.intents, translator)
        self.understanding = understanding if understand else None

    # ----------------------------------------------------------------- entry point
    def handle(self, session: Session | None, inp: i.Input, now: dt.datetime) -> Turn:
        """Answer one input. `now` must be timezone-aware."""
        ts = int(now.timestamp())
        if isinstance(inp, i.Start):
            return self.start(inp, now)
        if session is None:
            return self._first(inp, now)
        session, notes = self._resume(session, ts)
        if notes:
            return Turn(session, (self._render(session, now, notes),))
        return self._dispatch(session.touch(ts), inp, now)

    def start(self, inp: i.Start, now: dt.datetime) -> Turn:
        """A new conversation at the entry node, or where the entry code points."""
        ts = int(now.timestamp())
        known = inp.code in self.dialogue.entry_codes or inp.code in self._person_codes
        code = inp.code if known else None
        session = self._new(inp.lang, code, ts)
        node = self.dialogue.entry_codes.get(code or "", self.dialogue.entry)
        return self._enter(session.at(node, ts), now, (), self._review_note(session))

    def _first(self, inp: i.Input, now: dt.datetime) -> Turn:
        """Input without a session (expired, erased, or a first message without /start)."""
        fresh = self._new(None, None, int(now.timestamp()))
        typed = _typed(inp)
        danger = self._danger(fresh, typed)
        if danger is not None and danger.certain and danger.by_rule:
            return self._alarm(fresh, danger, now, typed)
        if isinstance(inp, i.Edited):
            return self._alarm(fresh, danger, now, typed) if danger else Turn(None, ())
        name = inp.option[4:] if isinstance(inp, i.Choice) else getattr(inp, "name", "")
        meaning = None
        if isinstance(inp, i.Text):
            name = self._match_command(fresh.lang, normalise(clean(inp.text, ROUTE_WINDOW))) or ""
            meaning = self._understand(fresh, inp.text)
            lang = self._language_of(inp.text, meaning.lang, fresh) if meaning else ""
            if lang in self.tr.languages:
                fresh = replace(fresh, lang=lang)  # the first message shows the language
        if name in ("danger", "help", "language", "erase"):
            return self._command(fresh, name, now)
        leads = meaning is not None and self._leads_somewhere(meaning)
        # danger like an example, a meaning by rule, possible danger (ask), a meaning by likeness
        if danger is not None and (danger.certain or not (leads and meaning and meaning.by_rule)):
            return self._alarm(fresh, danger, now, typed)
        if meaning is not None and leads:
            return self._act(self._welcomed(fresh, now), meaning, now)
        hint = guess(typed, self.tr.languages, self.tr.native_name) if meaning is None else None
        return self.start(i.Start(lang=hint or fresh.lang), now)

    def system_text(self, lang: str, key: str, **values: str) -> str:
        """A system text in `lang`, placeholders filled (for transports: descriptions, notices)."""
        return self._system(lang if lang in self.tr.languages else SOURCE_LANG, key, **values)

    def show(self, session: Session, now: dt.datetime) -> Message:
        """The current screen of a session, as it would be sent now."""
        return self._render(session, now, ())

    # ----------------------------------------------------------------- dispatch
    def _dispatch(self, s: Session, inp: i.Input, now: dt.datetime) -> Turn:
        if isinstance(inp, i.Text):
            return self._text(s, inp.text, now)
        if isinstance(inp, i.Choice):
            return self._choice(s, inp, now)
        if isinstance(inp, i.Command):
            return self._command(s, inp.name, now)
        if danger := self._danger(s, _typed(inp)):  # a photo's caption, an edited message
            return self._alarm(s, danger, now, _typed(inp))
        if isinstance(inp, i.Edited):
            return Turn(s, ())  # an edit without danger changes nothing: no reply
        return self._again(s, now, "only_text")

    def _choice(self, s: Session, choice: i.Choice, now: dt.datetime) -> Turn:
        oid = choice.option
        if oid.startswith("cmd.") and oid[4:] in self.dialogue.commands:
            return self._command(s, oid[4:], now)
        if oid.startswith("lang."):  # the language screen, or the offer on a danger screen
            if oid[5:] in self.tr.languages:
                return self._set_language(s, oid[5:], now)
            return self._again(s, now, "not_understood")
        if choice.node is not None and choice.node != s.node:
            return self._again(s, now, "stale")
        option = self.dialogue.nodes[s.node].option(oid) if s.screen is None else None
        if option is None:
            return self._again(s, now, "not_understood")
        return self._follow(s, option, now)

    def _command(self, s: Session, name: str, now: dt.datetime) -> Turn:
        ts = int(now.timestamp())
        if name == "erase":
            note = self._sys(s, "erased")
            done = self._message(s, "erased", note, now, (), ephemeral=True)
            return Turn(None, (Erase(), done))
        if name == "language":
            return Turn(replace(s, screen=LANGUAGE_SCREEN), (self._language_screen(s, now),))
        if name == "relay":
            return self.relay_asked(s, now)
        target = {
            "danger": self.dialogue.danger_node,
            "help": self.dialogue.help_node,
            "restart": self.dialogue.entry,
        }.get(name)
        if target is None:
            return self._again(s, now, "not_understood")
        return self._enter(s.at(target, ts), now, ())

    def _follow(self, s: Session, option: Option, now: dt.datetime) -> Turn:
        if option.region is not None:
            s = replace(s, region=None if option.region == "none" else option.region)
        if option.goto is not None:
            return self._goto(s, option.goto, now)
        return self._command(s, option.action or "restart", now)

    def _goto(self, s: Session, node: str, now: dt.datetime) -> Turn:
        return self._enter(s.at(node, int(now.timestamp())), now, ())

    def _enter(
        self, s: Session, now: dt.datetime, notes: tuple[str, ...], after: tuple[str, ...] = ()
    ) -> Turn:
        node = self.dialogue.nodes[s.node]
        replies: list[Reply] = [self._render(s, now, notes, after=after)]
        if node.handoff is not None:
            replies.append(Handoff(node.handoff, node.contacts))
        return Turn(s, tuple(replies))

    def _again(self, s: Session, now: dt.datetime, why: str) -> Turn:
        """A calm reply that repeats the current options: nothing is lost.

        Not understood twice in a row: the help screen, with another line (never the same
        line twice in a row).
        """
        if why == "not_understood":
            s = replace(s, misses=s.misses + 1)
            if s.misses % 2 == 0 and s.screen is None:
                moved = replace(
                    s.at(self.dialogue.help_node, int(now.timestamp())), misses=s.misses
                )
                return self._enter(moved, now, (self._sys(s, "not_understood_help"),))
        if s.screen == LANGUAGE_SCREEN:
            return Turn(s, (self._language_screen(s, now, self._sys(s, why)),))
        return Turn(s, (self._render(s, now, (self._sys(s, why),), body=why == "stale"),))

    # ----------------------------------------------------------------- sessions
    def _new(self, lang: str | None, code: str | None, ts: int) -> Session:
        lang = lang if lang in self.tr.languages else SOURCE_LANG
        return Session(self.dialogue.entry, lang, self.dialogue.version, ts, ts, code)

    def _resume(self, s: Session, ts: int) -> tuple[Session, tuple[str, ...]]:
        """A session from an older dialogue version continues where it can."""
        if s.lang not in self.tr.languages:
            s = replace(s, lang=SOURCE_LANG)
        if s.node in self.dialogue.nodes:
            same = s.version == self.dialogue.version
            return (s if same else replace(s, version=self.dialogue.version)), ()
        fresh = replace(s.at(self.dialogue.entry, ts), version=self.dialogue.version)
        return fresh, (self._sys(fresh, "resumed_restart"),)

    def _set_language(self, s: Session, lang: str, now: dt.datetime) -> Turn:
        s = replace(s, lang=lang, screen=None)
        return Turn(s, (self._render(s, now, (), after=self._review_note(s)),))

    def _review_note(self, s: Session) -> tuple[str, ...]:
        """'Not yet reviewed' for a translation, after the greeting (a lock screen shows the
        first line of a message: that should be the greeting)."""
        return () if self.tr.reviewed(s.lang) else (self._sys(s, "not_reviewed"),)


def _placeholder_values(contacts: Mapping[str, Contact]) -> dict[str, str]:
    """The values placeholders stand for: {emergency} and {<contact>.phone|url|name}."""
    values = {"emergency": EMERGENCY_NUMBER}
    for c in contacts.values():
        values[f"{c.id}.name"] = c.name
        if c.phone:
            values[f"{c.id}.phone"] = c.phone
        if c.url:
            values[f"{c.id}.url"] = c.url
    return values


def _typed(inp: i.Input) -> str:
    """What the resident typed with an input: a text, an edited text, or a photo's caption."""
    if isinstance(inp, i.Text | i.Edited):
        return inp.text
    return (inp.caption or "") if isinstance(inp, i.Unsupported) else ""
