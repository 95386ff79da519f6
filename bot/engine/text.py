"""Text helpers: normalising free text, placeholders, and bidi isolation for RTL languages."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{([a-z0-9_]+(?:\.[a-z0-9_]+)?)\}")
# A phone-like number: digits with optional separators, at least 3 digits in all.
PHONE = re.compile(r"(?<![\w{])\+?\d[\d\- ]*\d(?![\w}])|(?<![\w{])\d{3,}(?![\w}])")
LRI, PDI = "\u2066", "\u2069"
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
# Letters people type either way: Arabic variants, Turkish dotless i, Polish ł, Cyrillic ё,
# and apostrophes inside words (Ukrainian вб'є / вб’є / вбʼє all become вбє).
_ARABIC_FOLD = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ی": "ي", "ک": "ك", "ـ": None}
    | {"ı": "i", "ł": "l", "ё": "е", "'": None, "’": None, "ʼ": None, "`": None}
    | {chr(0x660 + d): str(d) for d in range(10)}  # Arabic-Indic digits: ١١٢ is 112
    | {chr(0x6F0 + d): str(d) for d in range(10)}  # Persian digits: ۱۱۲ is 112
)
_WORD = re.compile(r"[^\W_]+")  # letters and digits; "_" and punctuation separate words
# Words, and the marks that end a clause (Latin, Arabic and Ethiopic), for `clause_words`.
_WORD_OR_STOP = re.compile(r"[^\W_]+|[,.;:!?\n\u060c\u061b\u061f\u1362-\u1368]+")
# Invisible characters inside a word (zero-width space and joiners, soft hyphen, direction
# marks) are deleted, not turned into spaces: "wu\u200brgen" is still one word.
_INVISIBLE = dict.fromkeys(
    [
        0xAD,
        0x180E,
        0x200B,
        0x200C,
        0x200D,
        0x200E,
        0x200F,
        0x2060,
        0xFEFF,
        0x061C,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ]
)
# Cyrillic and Greek letters that look like Latin ones, and back: a word that mixes scripts
# is read in the script most of its letters are in ("hеlp" with a Cyrillic е is "help";
# Ukrainian typed with a Latin i is Ukrainian).
_LOOKALIKE_PAIRS = "aа bв cс eе hн iі jј kк mм oо pр sѕ tт xх yу aα bβ eε iι kκ nη oο pρ tτ xχ yγ"
_TO_LATIN = str.maketrans({c: p[0] for p in _LOOKALIKE_PAIRS.split() for c in p[1:]})
_TO_CYRILLIC = str.maketrans({p[0]: p[1] for p in _LOOKALIKE_PAIRS.split()[:15]})
_MIXED = re.compile(r"\w*(?:[a-z][\u0370-\u04ff]|[\u0370-\u04ff][a-z])\w*")


class _Fold(dict[int, int | str | None]):
    """`_ARABIC_FOLD`, and every combining mark (accents, Arabic vowel signs) deleted: a
    translate table filled in as characters are first seen. Used for texts with characters
    beyond the first 65,536 (emoji and rare scripts); `_fold` below does the same faster."""

    def __missing__(self, code: int) -> int | str | None:
        if len(self) > 50_000:  # only a flood of exotic characters gets here
            self.clear()
            self.update(_BASE)
        folded = _ARABIC_FOLD.get(code, code)
        value = None if unicodedata.combining(chr(code)) else folded
        self[code] = value
        return value


_BASE = {**_ARABIC_FOLD, **_INVISIBLE}  # invisible characters are deleted in the same step
_FOLD = _Fold(_BASE)


def _char_class(codes: set[int]) -> str:
    """A regex character class of these code points, as ranges."""
    ranges: list[list[int]] = []
    for code in sorted(codes):
        if ranges and code == ranges[-1][1] + 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    parts = (re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "") for a, b in ranges)
    return "[" + "".join(parts) + "]"


# The same folding as `_FOLD` as two regex passes, which run in C over the whole text (a
# translate table looks up every character one by one): delete combining marks, invisible
# characters and in-word apostrophes, then map the few letters that are folded.
_DELETE = re.compile(
    _char_class(
        {c for c in range(0x10000) if unicodedata.combining(chr(c))}
        | set(_INVISIBLE)
        | {c for c, v in _ARABIC_FOLD.items() if v is None}
    )
)
_MAP = {chr(c): v for c, v in _ARABIC_FOLD.items() if isinstance(v, str)}
_MAPPED = re.compile(_char_class({ord(c) for c in _MAP}))
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _fold(text: str) -> str:
    """Combining marks and invisible characters deleted, letter variants folded."""
    if _ASTRAL.search(text):
        return text.translate(_FOLD)
    return _MAPPED.sub(lambda m: _MAP[m.group()], _DELETE.sub("", text))


def clean(text: str, limit: int = 4000) -> str:
    """Remove control and direction characters, collapse whitespace, cut to `limit` chars.

    Zero-width characters are deleted, not made spaces, as `normalise` does: the Persian
    zero-width non-joiner sits inside words ("می‌زنم" is one word)."""
    text = _CONTROL.sub(" ", _ZERO_WIDTH.sub("", text[: limit * 2]))
    return " ".join(text.split())[:limit]


def normalise(text: str) -> str:
    """Fold case, accents, Arabic letter variants and punctuation, for matching words.

    Invariant: the result is space-separated words with one space before and after,
    so that a pattern can look for " word " without regex word boundaries.
    """
    return " " + " ".join(words(text)) + " "


def words(text: str) -> list[str]:
    """The words of a text, normalised as `normalise` does (without joining them)."""
    return _WORD.findall(_folded(text))


def clause_words(text: str) -> list[str]:
    """Like `words`, with the marks that end a clause kept as tokens of their own (a comma, a
    full stop, ...: see `is_stop`): a negation does not reach across them ("het is niet fijn,
    hij slaat me")."""
    return _WORD_OR_STOP.findall(_folded(text))


def is_stop(token: str) -> bool:
    """A token of `clause_words` that ends a clause."""
    return not token[:1].isalnum()


# The Unicode blocks of the Arabic script (Farsi too) and the Ethiopic one (Tigrinya), as
# regex ranges (also for language.py's guess by script).
ARABIC_BLOCKS = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
ETHIOPIC_BLOCKS = "\u1200-\u139f\u2d80-\u2ddf\uab00-\uab2f"
# Where an Arabic or Ethiopic letter touches a Latin one, two words meet: the Arabic article
# or a Tigrinya ending on a Dutch word ("الverblijfsvergunning", "IND-ን") is read as two words.
_OTHER = ARABIC_BLOCKS + ETHIOPIC_BLOCKS
_JOINED = re.compile(f"(?<=[{_OTHER}])(?=[a-z])|(?<=[a-z])(?=[{_OTHER}])")
# One quick test for both (_MIXED and _JOINED): a Latin letter beside another script's.
_MIXES = re.compile(f"[a-z][\u0370-\u04ff{_OTHER}]|[\u0370-\u04ff{_OTHER}][a-z]")


def _folded(text: str) -> str:
    text = text.casefold()
    if not text.isascii():  # the common case skips the per-character work
        text = _fold(unicodedata.normalize("NFKD", text))
        if _MIXES.search(text):
            text = _JOINED.sub(" ", _MIXED.sub(_one_script, text))
    else:
        text = text.replace("'", "").replace("`", "")
    return text


def _one_script(m: re.Match[str]) -> str:
    """A word that mixes Latin with Cyrillic or Greek, in the script of most of its letters."""
    word = m.group(0)
    latin = sum(1 for ch in word if "a" <= ch <= "z")
    return word.translate(_TO_LATIN) if latin * 2 >= len(word) else word.translate(_TO_CYRILLIC)


def placeholders(text: str) -> frozenset[str]:
    """The placeholder names used in a text, e.g. {"veilig_thuis.phone"}."""
    return frozenset(PLACEHOLDER.findall(text))


def phone_numbers(text: str) -> list[str]:
    """Phone-like numbers written literally in a text (outside placeholders), digits only."""
    bare = PLACEHOLDER.sub(" ", text)
    digits = (re.sub(r"\D", "", m) for m in PHONE.findall(bare))
    return sorted(
        d for d in digits if len(d) >= 3
    )  # ages and days ("18", "7") are not numbers to call


def isolate(value: str) -> str:
    """Wrap a left-to-right fragment so it never renders reversed in right-to-left text. A
    value that holds isolates already is a rendered text (a pseudonym "Bewoner 27" filled into
    a sentence): it is inserted as it is, never wrapped twice."""
    return value if LRI in value or PDI in value else f"{LRI}{value}{PDI}"


def fill(text: str, values: Mapping[str, str], rtl: bool) -> str:
    """Replace placeholders; in RTL languages, numbers and links are isolated. Unknown stay."""

    def sub(m: re.Match[str]) -> str:
        value = values.get(m.group(1))
        if value is None:
            return m.group(0)
        return isolate(value) if rtl else value

    return PLACEHOLDER.sub(sub, text)


def isolate_numbers(text: str) -> str:
    """Isolate literal phone-like numbers in an RTL text (placeholders are isolated in fill)."""
    return PHONE.sub(lambda m: isolate(m.group(0)), text)
