"""The round-1 danger matcher, frozen: a baseline for bench/danger.py, not used by the bot.

Phrases per language (bench/baseline/danger_round1/*.yaml, as shipped before the rewrite),
each word in order with at most two words between, checked in the session's language,
Dutch and English. Its own copy of the round-1 normaliser, so later fixes do not flatter it.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import yaml

FILES = Path(__file__).resolve().parent / "danger_round1"
MAX_GAP = 2
_FOLD = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ـ": None}
    | {"ı": "i", "ł": "l", "ё": "е", "'": None, "’": None, "ʼ": None, "`": None}
    | {chr(0x660 + d): str(d) for d in range(10)}
    | {chr(0x6F0 + d): str(d) for d in range(10)}
)
_NON_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_FOLD)
    else:
        text = text.replace("'", "").replace("`", "")
    text = text.replace("_", " ")
    return " " + " ".join(_NON_WORD.sub(" ", text).split()) + " "


def _word(token: str) -> str:
    core = re.escape(normalise(token.strip("*")).strip())
    return (
        (r"\w*" if token.startswith("*") else "") + core + (r"\w*" if token.endswith("*") else "")
    )


def _phrase(phrase: str) -> str:
    words = [w for w in phrase.split() if w.strip("*")]
    return " " + rf"(?: \w+){{0,{MAX_GAP}}} ".join(_word(w) for w in words) + " "


class Round1:
    """Round 1 as the engine used it: one regex for the session language, nl and en."""

    def __init__(self) -> None:
        self.phrases = {}
        for path in sorted(FILES.glob("*.yaml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            self.phrases[data["language"]] = [p for p in data["phrases"] if normalise(p).strip()]
        self._cache: dict[str, re.Pattern[str]] = {}

    def _pattern(self, lang: str) -> re.Pattern[str]:
        if lang not in self._cache:
            codes = dict.fromkeys((lang, "nl", "en"))
            phrases = [p for c in codes for p in self.phrases.get(c, [])]
            self._cache[lang] = re.compile("|".join(f"(?:{_phrase(p)})" for p in phrases))
        return self._cache[lang]

    def detect(self, text: str, session_lang: str) -> bool:
        return self._pattern(session_lang).search(normalise(text)) is not None
