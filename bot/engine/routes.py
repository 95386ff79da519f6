"""Routes: what a typed answer picks on the current screen (an option by its label, route
words or number, a command by its words, a language by its name). A mixin of the engine."""

from __future__ import annotations

from bot.engine.model import Node, Option
from bot.engine.screens import Screens
from bot.engine.session import Session
from bot.engine.text import clean, normalise

SOURCE_LANG = "nl"
LANGUAGE_SCREEN = "language"
SHORT_ANSWER = 3  # words: an answer this short that matches an option picks it first
ROUTE_WINDOW = 500  # characters of a message used for routing; danger words check it all


class Routes(Screens):
    """Matching typed answers; the attributes are set by Engine.__init__."""

    _matchers: dict[tuple[str, str], list[tuple[str, tuple[str, ...]]]]
    _command_words: dict[str, dict[str, str]]

    def command_in(self, lang: str, text: str) -> str | None:
        """The global command a typed text is (`wissen` -> erase), if it is one."""
        return self._match_command(lang, normalise(clean(text, ROUTE_WINDOW)))

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

    def _option_words(self, s: Session, norm: str) -> int:
        """How many words of a text the longest route phrase of the screen found in it."""
        found = [p for _, ps in self._matcher(s.lang, self.dialogue.nodes[s.node]) for p in ps]
        return max((len(p.split()) for p in found if p in norm), default=0)

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
