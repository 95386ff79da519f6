"""The engine: (session, input, now) -> (session, replies). Pure: no I/O, no clock reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.engine import inputs as i
from bot.engine.language import guess, script_language
from bot.engine.model import Contact, Dialogue, Node, Option
from bot.engine.replies import Button, Erase, Handoff, Message, Reply
from bot.engine.safety import Danger, Detector, Lexicon
from bot.engine.screens import Screens
from bot.engine.session import Session
from bot.engine.text import clean, normalise
from bot.engine.translate import Translator
from bot.engine.understand import LANGUAGE, Meaning, Understanding

EMERGENCY_NUMBER = "112"
SOURCE_LANG = "nl"
LANGUAGE_SCREEN = "language"
SHORT_ANSWER = 3  # words: an answer this short that matches an option picks it first
ROUTE_WINDOW = 500  # characters of a message used for routing; danger words check it all


@dataclass(frozen=True)
class Turn:
    """The result of one input: the new session (None: forget it) and what to send."""

    session: Session | None
    replies: tuple[Reply, ...]

    @property
    def urgent(self) -> bool:
        """True when this turn answers acute danger."""
        return any(isinstance(r, Message) and r.urgent for r in self.replies)


class Engine(Screens):
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
        danger = self._danger(fresh, _typed(inp))
        if danger is not None and danger.certain and danger.by_rule:
            return self._alarm(fresh, danger, now)
        if isinstance(inp, i.Edited):
            return self._alarm(fresh, danger, now) if danger else Turn(None, ())
        name = inp.option[4:] if isinstance(inp, i.Choice) else getattr(inp, "name", "")
        meaning = None
        if isinstance(inp, i.Text):
            name = self._match_command(fresh.lang, normalise(clean(inp.text, ROUTE_WINDOW))) or ""
            meaning = self._understand(fresh, inp.text)
            if meaning is not None and meaning.lang in self.tr.languages:
                fresh = replace(fresh, lang=meaning.lang)  # the first message shows the language
        if name in ("danger", "help", "language", "erase"):
            return self._command(fresh, name, now)
        if danger is not None and danger.certain:  # like a danger example
            return self._alarm(fresh, danger, now)
        if meaning is not None and self._leads_somewhere(meaning):
            return self._act(self._welcomed(fresh, now), meaning, now)
        if danger is not None:  # only possibly danger, and no command: ask
            return self._alarm(fresh, danger, now)
        typed = inp.text if isinstance(inp, i.Text) else ""
        hint = guess(typed, self.tr.languages, self.tr.native_name) if meaning is None else None
        return self.start(i.Start(lang=hint or fresh.lang), now)

    def system_text(self, lang: str, key: str) -> str:
        """A system text in `lang`, placeholders filled (for transports: descriptions, notices)."""
        return self._system(lang if lang in self.tr.languages else SOURCE_LANG, key)

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
            return self._alarm(s, danger, now)
        if isinstance(inp, i.Edited):
            return Turn(s, ())  # an edit without danger changes nothing: no reply
        return self._again(s, now, "only_text")

    def _text(self, s: Session, raw: str, now: dt.datetime) -> Turn:
        danger = self._danger(s, raw)
        if danger is not None and danger.certain and danger.by_rule:
            meaning = self._understand(s, raw)
            if meaning is None or not self._before(meaning, danger.kind):
                return self._alarm(s, danger, now)
            return self._act(s, meaning, now, raw)
        norm = normalise(clean(raw, ROUTE_WINDOW))
        if s.screen == LANGUAGE_SCREEN and (lang := self._match_language(norm)):
            return self._set_language(s, lang, now)
        if command := self._match_command(s.lang, norm):
            return self._command(s, command, now)
        # Precise before vague: a short answer or a typed label picks an option; then rules
        # (intents, danger by rule above), then likeness to example lines (danger first).
        option = self._match_option(s, norm) if s.screen is None else None
        if option is not None and (len(norm.split()) <= SHORT_ANSWER or self._is_label(s, norm)):
            return self._follow(s, option, now)
        meaning = self._understand(s, raw)
        if meaning is not None and meaning.by_rule:
            return self._act(s, meaning, now, raw)
        elsewhere = danger is not None and s.node != self.danger_screen(danger)
        if elsewhere and danger is not None and danger.certain:  # like a danger example
            return self._alarm(s, danger, now)
        if option is not None:
            return self._follow(s, option, now)
        if meaning is not None:
            return self._act(s, meaning, now, raw)
        if elsewhere and danger is not None:  # only possibly danger: ask, calmly
            return self._alarm(s, danger, now)
        return self._again(s, now, "not_understood")

    def _before(self, meaning: Meaning, kind: str) -> bool:
        """Is this intent, found by a rule, read before that kind of danger (intents.yaml,
        `before_danger`: "I hit my wife and want to stop" is not a victim's alarm)?"""
        intent = self.dialogue.intents.get(meaning.intent)
        return meaning.by_rule and intent is not None and kind in intent.before_danger

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

    def is_danger(self, text: str, lang: str | None = None) -> bool:
        """True when `text` may mean danger, in any language (`lang` only breaks ties).

        For transports that want to put such a message first in a queue; the engine itself
        checks every text again when it handles it.
        """
        return self.danger(text, lang) is not None  # the same memo entry as the engine's

    def danger(self, text: str, lang: str | None = None) -> Danger | None:
        """What the detector finds in a text (for tools, metrics and `vrede check`)."""
        return self.detector.detect(text, (lang or SOURCE_LANG, SOURCE_LANG, "en"))

    def danger_screen(self, danger: Danger) -> str:
        """The node a detection opens: its kind's screen, or the calm question."""
        screens = self.dialogue.danger_screens
        if not danger.certain:
            return screens.get("possible", self.dialogue.danger_node)
        return screens.get(danger.kind, self.dialogue.danger_node)

    def _danger(self, s: Session, raw: str) -> Danger | None:
        return self.danger(raw, s.lang) if raw else None

    def _alarm(self, s: Session, danger: Danger, now: dt.datetime) -> Turn:
        """Open the screen for a detection; offer the text's language if it is another one."""
        return self._offer(self._goto(s, self.danger_screen(danger), now), s, danger.lang)

    def _offer(self, turn: Turn, s: Session, lang: str) -> Turn:
        """Add a button to switch to `lang` when the resident wrote in it (not the session's)."""
        if lang == s.lang or lang not in self.tr.languages or not turn.replies:
            return turn
        first = turn.replies[0]
        if not isinstance(first, Message):
            return turn
        offer = Button(f"lang.{lang}", self.tr.native_name(lang))
        return replace(
            turn, replies=(replace(first, options=(*first.options, offer)), *turn.replies[1:])
        )

    # ----------------------------------------------------------------- free text
    def _understand(self, s: Session, raw: str) -> Meaning | None:
        if self.understanding is None:
            return None
        return self.understanding.meaning(clean(raw, ROUTE_WINDOW), (s.lang, SOURCE_LANG, "en"))

    def _act(self, s: Session, meaning: Meaning, now: dt.datetime, raw: str = "") -> Turn:
        """Do what a resident means: set a language, greet, a command, or go to a screen."""
        if meaning.intent.startswith(LANGUAGE):
            return self._set_language(s, meaning.intent[len(LANGUAGE) :], now)
        intent = self.dialogue.intents[meaning.intent]
        lang = self._language_of(raw, meaning.lang, s)
        if intent.action == "greet":
            if s.node == self.dialogue.entry and lang in self.tr.languages and lang != s.lang:
                return self._set_language(s, lang, now)  # greeted in their own language
            turn = Turn(s, (self._render(s, now, ()),))  # hello again: where we were
        elif intent.action is not None:
            turn = self._command(s, intent.action, now)
        else:
            turn = self._goto(s, intent.goto or self.dialogue.help_node, now)
        return self._offer(turn, s, lang)

    def _language_of(self, raw: str, found: str, s: Session) -> str:
        """The language a resident writes in: where the words were found, unless they were
        found in the conversation's language but the script says otherwise (a Dutch word
        such as "IND" in an Arabic sentence)."""
        if found != s.lang:
            return found
        by_script = script_language(raw)
        return by_script if by_script in self.tr.languages else found

    def _leads_somewhere(self, meaning: Meaning) -> bool:
        """A meaning that is more than a greeting or a language (those get the opening)."""
        if meaning.intent.startswith(LANGUAGE):
            return False
        return self.dialogue.intents[meaning.intent].action != "greet"

    def _welcomed(self, s: Session, now: dt.datetime) -> Session:
        """A first message that is not a greeting: the session starts at the entry node."""
        return s.at(self.dialogue.entry, int(now.timestamp()))

    # ----------------------------------------------------------------- matching
    def _match_command(self, lang: str, norm: str) -> str | None:
        words = self._command_words.get(lang)
        if words is None:
            words = {}
            for cmd in self.dialogue.commands.values():
                label = self._t(lang, f"command.{cmd.name}.label", cmd.label)
                for w in (
                    cmd.name,
                    *cmd.words,
                    *self._tr_words(lang, f"command.{cmd.name}.words", cmd.words),
                    cmd.label,
                    label,
                ):
                    words.setdefault(normalise(w), cmd.name)
            self._command_words[lang] = words
        return words.get(norm)

    def _match_option(self, s: Session, norm: str) -> Option | None:
        node = self.dialogue.nodes[s.node]
        word = norm.strip()
        if word.isdecimal() and 1 <= int(word) <= len(node.options):
            return node.options[int(word) - 1]
        # The longest matching phrase wins ("dat weet ik niet goed" beats "niet goed");
        # a tie between two options is ambiguous, and the resident is asked again.
        best: dict[str, int] = {}
        for oid, phrases in self._matcher(s.lang, node):
            hits = [len(p) for p in phrases if p in norm]
            if hits:
                best[oid] = max(hits)
        if not best:
            return None
        top = max(best.values())
        winners = [oid for oid, n in best.items() if n == top]
        return node.option(winners[0]) if len(winners) == 1 else None

    def _is_label(self, s: Session, norm: str) -> bool:
        """True when the text is exactly a label or route phrase of the current screen."""
        return any(
            norm in phrases for _, phrases in self._matcher(s.lang, self.dialogue.nodes[s.node])
        )

    def _matcher(self, lang: str, node: Node) -> list[tuple[str, tuple[str, ...]]]:
        key = (lang, node.id)
        if key not in self._matchers:
            self._matchers[key] = [(o.id, self._phrases(lang, node, o)) for o in node.options]
        return self._matchers[key]

    def _phrases(self, lang: str, node: Node, o: Option) -> tuple[str, ...]:
        label = self._t(lang, f"{node.id}.option.{o.id}", o.label)
        raw = (
            o.label,
            label,
            *o.routes,
            *self._tr_words(lang, f"{node.id}.route.{o.id}", o.routes),
        )
        return tuple({n for w in raw if (n := normalise(w)).strip()})

    def _tr_words(self, lang: str, context: str, words: tuple[str, ...]) -> list[str]:
        """Route words are translated as one '|'-separated list per option."""
        if not words:
            return []
        joined = self.tr.text(lang, context, " | ".join(words))
        return [w.strip() for w in joined.split("|") if w.strip()]

    def _match_language(self, norm: str) -> str | None:
        word = norm.strip()
        langs = self.tr.languages
        if word.isdecimal() and 1 <= int(word) <= len(langs):
            return langs[int(word) - 1]
        for lang in langs:
            if word in (lang, normalise(self.tr.native_name(lang)).strip()):
                return lang
        return None


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
