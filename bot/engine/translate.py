"""The port through which the engine gets translated texts and locale facts (pure lookups)."""

from __future__ import annotations

from typing import Protocol


class Translator(Protocol):
    """Translations and locale data, loaded before the engine runs; every call is a lookup."""

    @property
    def languages(self) -> tuple[str, ...]:
        """Language codes offered to residents, source language first."""
        ...

    def text(self, lang: str, context: str, source: str) -> str:
        """The translation of `source` (msgctxt `context`) into `lang`, or `source` itself."""
        ...

    def native_name(self, lang: str) -> str:
        """The language's name in itself: Nederlands, Türkçe, العربية."""
        ...

    def day_name(self, lang: str, weekday: int) -> str:
        """Name of a weekday (0 = Monday) in `lang`."""
        ...

    def names(self, lang: str) -> tuple[str, ...]:
        """What residents may type to ask for `lang`: its name in every offered language
        and other forms people use ("po polsku", "farsi", "dari")."""
        ...

    def is_rtl(self, lang: str) -> bool:
        """True for right-to-left languages."""
        ...

    def reviewed(self, lang: str) -> bool:
        """True once a native speaker has reviewed the translation."""
        ...


class SourceOnly:
    """A translator with only the Dutch source texts: for tests and tools."""

    _DAYS = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")

    @property
    def languages(self) -> tuple[str, ...]:
        """Only Dutch."""
        return ("nl",)

    def text(self, lang: str, context: str, source: str) -> str:
        """The source text."""
        return source

    def native_name(self, lang: str) -> str:
        """Nederlands."""
        return "Nederlands"

    def day_name(self, lang: str, weekday: int) -> str:
        """Dutch day names."""
        return self._DAYS[weekday]

    def names(self, lang: str) -> tuple[str, ...]:
        """Nederlands."""
        return ("Nederlands", "Dutch")

    def is_rtl(self, lang: str) -> bool:
        """Dutch is left to right."""
        return False

    def reviewed(self, lang: str) -> bool:
        """The source is the reference."""
        return True
