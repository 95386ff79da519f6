"""Reading free text: danger first, then what the resident means (intents), then the
screen's own routes. A mixin of the engine; the transitions it calls are the engine's."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from bot.engine.language import script_language
from bot.engine.model import Option
from bot.engine.replies import Button, Message, Turn
from bot.engine.routes import LANGUAGE_SCREEN, ROUTE_WINDOW, SHORT_ANSWER, SOURCE_LANG, Routes
from bot.engine.safety import Danger, Detector
from bot.engine.session import Session
from bot.engine.text import clean, normalise
from bot.engine.understand import LANGUAGE, Meaning, Understanding


class Reading(Routes):
    """Danger and meaning in a typed text; the attributes are set by Engine.__init__."""

    detector: Detector
    understanding: Understanding | None

    # Transitions, defined by the engine.
    def _goto(self, s: Session, node: str, now: dt.datetime) -> Turn:
        raise NotImplementedError

    def _follow(self, s: Session, option: Option, now: dt.datetime) -> Turn:
        raise NotImplementedError

    def _command(self, s: Session, name: str, now: dt.datetime) -> Turn:
        raise NotImplementedError

    def _set_language(self, s: Session, lang: str, now: dt.datetime) -> Turn:
        raise NotImplementedError

    def _again(self, s: Session, now: dt.datetime, why: str) -> Turn:
        raise NotImplementedError

    def _text(self, s: Session, raw: str, now: dt.datetime) -> Turn:
        danger = self._danger(s, raw)
        if danger is not None and danger.certain and danger.by_rule:
            meaning = self._understand(s, raw)
            if meaning is None or not self._before(meaning, danger.kind):
                return self._alarm(s, danger, now, raw)
            return self._act(s, meaning, now, raw)
        norm = normalise(clean(raw, ROUTE_WINDOW))
        if s.screen == LANGUAGE_SCREEN and (lang := self._match_language(norm)):
            return self._set_language(s, lang, now)
        if command := self._match_command(s.lang, norm):
            return self._command(s, command, now)
        # Precise before vague: a short answer or a typed label picks an option; then rules
        # (intents, danger by rule above), then likeness to example lines (danger first).
        option = self._match_option(s, norm) if s.screen is None else None
        meaning = self._understand(s, raw)
        if option is not None and self._is_label(s, norm):
            return self._follow(s, option, now)
        if option is not None and len(norm.split()) <= SHORT_ANSWER:
            # "ok" picks the screen's "ok", but "ok thanks bye" says more than the button
            if meaning is not None and meaning.words > self._option_words(s, norm):
                return self._act(s, meaning, now, raw)
            return self._follow(s, option, now)
        if meaning is not None and meaning.by_rule:
            return self._act(s, meaning, now, raw)
        elsewhere = danger is not None and s.node != self.danger_screen(danger)
        if elsewhere and danger is not None and danger.certain:  # like a danger example
            return self._alarm(s, danger, now, raw)
        if option is not None:
            return self._follow(s, option, now)
        if elsewhere and danger is not None:  # only possibly danger: ask, calmly
            return self._alarm(s, danger, now, raw)  # (before a meaning that is only alike)
        if meaning is not None:
            return self._act(s, meaning, now, raw)
        return self._again(s, now, "not_understood")

    def _before(self, meaning: Meaning, kind: str) -> bool:
        """Is this intent, found by a rule, read before that kind of danger (intents.yaml,
        `before_danger`: "I hit my wife and want to stop" is not a victim's alarm)?"""
        intent = self.dialogue.intents.get(meaning.intent)
        return meaning.by_rule and intent is not None and kind in intent.before_danger

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

    def _alarm(self, s: Session, danger: Danger, now: dt.datetime, raw: str = "") -> Turn:
        """Open the screen for a detection; offer the text's language if it is another one."""
        turn = self._goto(s, self.danger_screen(danger), now)
        return self._offer(turn, s, self._language_of(raw, danger.lang, s))

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
        """The language a resident writes in: the script's (Arabic, Farsi, Ukrainian,
        Tigrinya), else the one the lines most like the text are in, else where the words
        were found (a Dutch word such as "IND" in a Turkish sentence does not make it Dutch)."""
        by_script = script_language(raw)
        if by_script in self.tr.languages and by_script != "ar":
            return by_script
        known = self.understanding
        guessed = known.language(clean(raw, ROUTE_WINDOW)) if known else None
        if by_script == "ar":  # Farsi without its own letters ("ممنون، خداحافظ") is like Farsi
            return "fa" if guessed == "fa" and "fa" in self.tr.languages else by_script
        return guessed if guessed in self.tr.languages else found

    def _leads_somewhere(self, meaning: Meaning) -> bool:
        """A meaning that is more than a greeting or a language (those get the opening)."""
        if meaning.intent.startswith(LANGUAGE):
            return False
        return self.dialogue.intents[meaning.intent].action != "greet"

    def _welcomed(self, s: Session, now: dt.datetime) -> Session:
        """A first message that is not a greeting: the session starts at the entry node."""
        return s.at(self.dialogue.entry, int(now.timestamp()))
