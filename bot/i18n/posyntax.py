"""A strict reading of a .po file's syntax, line by line, before Babel sees it.

Babel forgives too much: an entry without its `msgstr`, or a string whose closing quote is
missing, is printed as a raw WARNING and read on with a character dropped, and a whole
language then shows Dutch. `msgfmt --check` calls both fatal, and so does this reader: it
reports the fatal errors msgfmt reports (syntax, an unclosed string, a missing msgid or
msgstr, plural forms out of place, a duplicate entry, a translation that does not begin and
end with a newline like its source), each with its line. Header warnings (a default
Last-Translator, say) are msgfmt's warnings too, and are not errors here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s*(.*)$")
_ESCAPE = re.compile(r'\\(?:[\\"ntrabfv\'?]|[0-7]{1,3}|x[0-9a-fA-F]+)')


@dataclass(frozen=True)
class PoError:
    """One fatal error in a .po file: its line (1-based) and what is wrong, in plain words."""

    line: int
    message: str


@dataclass
class _Entry:
    line: int = 0
    keys: list[str] | None = None
    texts: dict[str, str] | None = None
    fuzzy: bool = False
    obsolete: bool = False
    lines: dict[str, int] = field(default_factory=dict)  # keyword -> its line
    failed: bool = False  # an error was reported inside it already


def check_po(text: str) -> list[PoError]:
    """Every fatal error in a .po file's text, in line order; [] when msgfmt would accept it."""
    reader = _Reader()
    for n, raw in enumerate(text.splitlines(), start=1):
        reader.line(n, raw.rstrip("\r"))
    reader.finish()
    return sorted(reader.errors, key=lambda e: e.line)


class _Reader:
    """The state of one pass: the entry being read and the keys of those already read."""

    def __init__(self) -> None:
        self.errors: list[PoError] = []
        self.entry = _Entry()
        self.flags_fuzzy = False
        self.current = ""  # the keyword whose strings are being read
        self.seen: dict[tuple[bool, str, str], int] = {}
        self.header = ""
        self.plural_at = 0  # the line of the first entry with plural forms

    def line(self, n: int, raw: str) -> None:
        stripped = raw.strip()
        obsolete = stripped.startswith("#~")
        if obsolete:
            stripped = stripped[2:].strip()
        elif not stripped or stripped.startswith("#"):
            if stripped.startswith("#,") and "fuzzy" in stripped:
                self.flags_fuzzy = True
            return
        found = _KEYWORD.match(stripped)
        if found is not None:
            self.keyword(n, found[1], found[2], obsolete)
        elif stripped.startswith('"'):
            if not self.current:
                self.fail(n, "a quoted string without msgid or msgstr before it")
            else:
                self.add(n, stripped)
        else:
            word = stripped.split()[0][:20]
            self.fail(n, f"syntax error: '{word}' is not msgctxt, msgid or msgstr")

    def keyword(self, n: int, key: str, rest: str, obsolete: bool) -> None:
        base = key.split("[")[0]
        keys = self.entry.keys or []
        new = base == "msgctxt" or (base == "msgid" and keys != ["msgctxt"])
        if new or not keys:
            self.close()  # reports an entry left without its msgstr
            self.entry = _Entry(n, [], {}, self.flags_fuzzy, obsolete)
            self.flags_fuzzy = False
            keys = []
        self.current = ""
        if not self.allowed(n, base, key, keys):
            return
        assert self.entry.keys is not None and self.entry.texts is not None
        self.entry.keys.append(key)
        self.entry.texts[key] = ""
        self.entry.lines[key] = n
        self.current = key
        if not rest.startswith('"'):
            self.fail(n, f"'{key}' must be followed by a text in double quotes, e.g. {key} \"\"")
            return
        self.add(n, rest)

    def allowed(self, n: int, base: str, key: str, keys: list[str]) -> bool:
        last = keys[-1].split("[")[0] if keys else ""
        if base == "msgid_plural" and last != "msgid":
            self.fail(n, "'msgid_plural' must follow a msgid")
            return False
        if base == "msgstr":
            if "msgid" not in keys:
                self.fail(n, "'msgstr' without a msgid before it")
                return False
            plural = "msgid_plural" in keys
            if plural and key == "msgstr":
                self.fail(n, "an entry with msgid_plural needs msgstr[0], msgstr[1], ...")
                return False
            if not plural and key != "msgstr":
                self.fail(n, f"'{key}' without msgid_plural: write msgstr")
                return False
            if key in keys:
                self.fail(n, f"a second '{key}' in one entry")
                return False
        return True

    def add(self, n: int, rest: str) -> None:
        """Read one or more quoted strings, as msgfmt's lexer does; append their content."""
        text = rest
        while text:
            if not text.startswith('"'):
                self.fail(n, f"syntax error after a closing quote: {text[:20]!r}")
                return
            end, content, bad = _scan(text)
            if bad:
                self.fail(n, f"invalid escape sequence {bad!r}: write \\\\ for a backslash")
            if end < 0:
                self.fail(n, 'end-of-line within string: close the text with a " at the end')
                return
            assert self.entry.texts is not None
            self.entry.texts[self.current] = self.entry.texts.get(self.current, "") + content
            text = text[end + 1 :].strip()

    def close(self) -> None:
        e = self.entry
        if not e.keys or e.texts is None:
            return
        if "msgid_plural" in e.keys and not e.obsolete:
            self.plural_at = self.plural_at or e.line
        if e.texts.get("msgid") == "" and "msgctxt" not in e.keys and not e.obsolete:
            self.header = e.texts.get("msgstr", "")
        if e.failed:
            return
        if not any(k.startswith("msgstr") for k in e.keys):
            where = e.lines.get("msgid", e.line)
            self.fail(where, "missing 'msgstr' section: add msgstr \"...\" after the msgid")
            return
        key = (e.obsolete, e.texts.get("msgctxt", "\0"), e.texts.get("msgid", ""))
        if key in self.seen and not e.obsolete:
            self.fail(e.line, f"duplicate message definition (first at line {self.seen[key]})")
        self.seen.setdefault(key, e.line)
        source, text = e.texts.get("msgid", ""), e.texts.get("msgstr", "")
        if text and source and not e.fuzzy and not e.obsolete:
            for edge, name in ((0, "begin"), (-1, "end")):
                if (source[edge] == "\n") != (text[edge] == "\n"):
                    msg = f"'msgid' and 'msgstr' entries do not both {name} with '\\n'"
                    self.fail(e.lines.get("msgstr", e.line), msg)

    def finish(self) -> None:
        self.close()
        if self.plural_at and "Plural-Forms:" not in self.header:
            msg = "plural forms are used, but the header has no Plural-Forms line"
            self.fail(self.plural_at, msg)

    def fail(self, line: int, message: str) -> None:
        self.entry.failed = True
        self.errors.append(PoError(line, message))


def _scan(text: str) -> tuple[int, str, str]:
    """(index of the closing quote or -1, the unescaped-enough content, a bad escape or '')."""
    out: list[str] = []
    bad, i = "", 1
    while i < len(text):
        c = text[i]
        if c == '"':
            return i, "".join(out), bad
        if c == "\\":
            found = _ESCAPE.match(text, i)
            if found is None:
                bad = bad or text[i : i + 2]
                i += 2 if i + 1 < len(text) else 1
                continue
            out.append("\n" if found[0] == "\\n" else found[0])
            i = found.end()
            continue
        out.append(c)
        i += 1
    return -1, "".join(out), bad
