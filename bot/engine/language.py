"""A timid guess at the language of a text: a script that belongs to one language, a
language's own name, or a few common words.

Used by every transport through the engine (a first message greets in its language; a text in
another script than the conversation's gets an offer to switch) and by Matrix, whose clients
send no language with a message. Without a clear hint there is no guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from bot.engine.text import ARABIC_BLOCKS, ETHIOPIC_BLOCKS

WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# Common short words that mark a language in a first message (greetings, "I", "help", "please").
_WORDS = {
    "nl": "hallo hoi goedemorgen goedemiddag ik ben wil graag hulp alstublieft dank",
    "en": "hello hi hey i am need please help thanks what how is the my",
    "de": "guten tag ich bin brauche hilfe bitte danke",
    "fr": "bonjour salut je suis besoin aide merci",
    "tr": "merhaba selam yardım lütfen teşekkürler ben evde",
    "pl": "dzień dobry cześć jestem potrzebuję pomocy proszę dziękuję",
    "es": "hola buenos necesito ayuda por favor gracias",
    "so": "salaan iska waan caawimaad fadlan mahadsanid",
}
WORDS = {lang: frozenset(words.split()) for lang, words in _WORDS.items()}
# Letters that Farsi/Dari use and Arabic does not (Persian keheh and yeh included), and letters
# that only Ukrainian uses among the Cyrillic languages.
FARSI = set("پچژگکی")
UKRAINIAN = set("ієїґ")
# The part of a text's letters that must be in one of these scripts: people who write Arabic or
# Tigrinya type Dutch words (IND, verblijfsvergunning) in Latin letters, not the other way round.
SCRIPT_SHARE = 0.4
LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
SCRIPT_LETTERS = {  # the letters of each script that points to a language (Unicode blocks)
    "ARABIC": re.compile(f"[{ARABIC_BLOCKS}]"),
    "CYRILLIC": re.compile(r"[\u0400-\u052f]"),
    "ETHIOPIC": re.compile(f"[{ETHIOPIC_BLOCKS}]"),
    "GREEK": re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]"),
    "HEBREW": re.compile(r"[\u0590-\u05ff\ufb1d-\ufb4f]"),
}
SCRIPTS = {"ARABIC": "ar", "CYRILLIC": "ru", "ETHIOPIC": "ti", "GREEK": "el", "HEBREW": "he"}


def guess(text: str, offered: Iterable[str], native: Callable[[str], str]) -> str | None:
    """An offered language the first message points to clearly, or None."""
    langs = tuple(offered)
    found = _by_name(text, langs, native) or _by_script(text) or _by_words(text)
    return found if found in langs else None


def script_language(text: str) -> str | None:
    """The language a text's script points to (Arabic, Farsi, Ukrainian, Tigrinya), or None.

    Russian (Cyrillic without Ukrainian letters) counts as Ukrainian: the bot's Ukrainian
    is meant for Russian-speaking Ukrainians too.
    """
    found = _by_script(text)
    return "uk" if found == "ru" else found


def _by_name(text: str, langs: tuple[str, ...], native: Callable[[str], str]) -> str | None:
    word = text.strip().casefold()
    return next((code for code in langs if word in (code, native(code).casefold())), None)


def _by_script(text: str) -> str | None:
    """The script most letters are in, other than Latin (a Dutch "IND" or "WhatsApp" in an
    Arabic sentence does not hide that the sentence is Arabic)."""
    if text.isascii():
        return None
    letters = len(LETTER.findall(text))
    if not letters:
        return None
    counts = {name: pattern.findall(text) for name, pattern in SCRIPT_LETTERS.items()}
    name = max(counts, key=lambda n: len(counts[n]))
    found = counts[name]
    if len(found) < SCRIPT_SHARE * letters:
        return None
    if name == "ARABIC" and FARSI.intersection(found):
        return "fa"
    if name == "CYRILLIC" and UKRAINIAN.intersection(found):
        return "uk"
    return SCRIPTS[name]


def _by_words(text: str) -> str | None:
    words = {w.casefold() for w in WORD.findall(text)}
    scores = {lang: len(words & vocab) for lang, vocab in WORDS.items()}
    best = max(scores.values(), default=0)
    winners = [lang for lang, score in scores.items() if score == best]
    return winners[0] if best and len(winners) == 1 else None
