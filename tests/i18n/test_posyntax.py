"""The strict .po reader: what `msgfmt --check` calls fatal is an error with its line."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bot.i18n.posyntax import check_po

HEADER = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
PLURAL = 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'

# (body after the header (or a whole file), the line of the first error or 0 for none, a word of its message, why)
CASES = [
    ('msgctxt "a"\nmsgid "Hallo"\nmsgstr "Hello"\n', 0, "", "a plain entry"),
    ('msgid "Hallo"\nmsgstr ""\n"Hel"\n"lo"\n', 0, "", "continuation lines"),
    ('msgid "a" "b"\nmsgstr "c"\n', 0, "", "two strings on one line, as msgfmt reads them"),
    ('#, fuzzy\nmsgid "x\\n"\nmsgstr "y"\n', 0, "", "fuzzy entries are not format-checked"),
    ('#~ msgid "old"\n#~ msgstr "oud"\n', 0, "", "obsolete entries"),
    (PLURAL + 'msgid "a"\nmsgid_plural "as"\nmsgstr[0] "b"\nmsgstr[1] "bs"\n', 0, "", "plurals"),
    (
        'msgctxt "a"\nmsgid "Hallo"\n\nmsgid "b"\nmsgstr "c"\n',
        5,
        "missing 'msgstr'",
        "msgstr left out",
    ),
    ('msgid "Hallo"\n', 4, "missing 'msgstr'", "msgstr left out at the end"),
    ('msgid "Hallo"\nmsgstr "Hello\n', 5, "end-of-line within string", "closing quote missing"),
    ('msgid "Hallo"\nmsgstr Hello\n', 5, "double quotes", "no quotes at all"),
    ('msgid "Hallo"\nHello\nmsgstr ""\n', 5, "syntax error", "a bare line"),
    ('msgid "Hallo\\n"\nmsgstr "Hello"\n', 5, "end with", "newline at the end of one side"),
    ('msgid "a"\nmsgstr "b"\n\nmsgid "a"\nmsgstr "c"\n', 7, "duplicate", "the same entry twice"),
    ('msgid "a"\nmsgstr[0] "b"\n', 5, "msgid_plural", "plural form without msgid_plural"),
    ('msgid "a"\nmsgstr "b\\q"\n', 5, "escape", "an unknown escape"),
    ('msgstr "b"\n', 4, "msgstr", "msgstr alone"),
    ('msgid "a"\nmsgid_plural "as"\nmsgstr[0] "b"\n', 4, "Plural-Forms", "plural, no header"),
]


def _whole(body: str) -> str:
    return body if body.startswith('msgid ""') else HEADER + body


@pytest.mark.parametrize(("body", "line", "word", "why"), CASES, ids=[c[3] for c in CASES])
def test_strict_reading(body: str, line: int, word: str, why: str) -> None:
    errors = check_po(_whole(body))
    if not line:
        assert errors == [], why
        return
    assert errors and errors[0].line == line, (why, errors)
    assert word in errors[0].message, (why, errors)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize(("body", "line", "word", "why"), CASES, ids=[c[3] for c in CASES])
def test_same_verdict_as_msgfmt_check(
    body: str, line: int, word: str, why: str, tmp_path: Path
) -> None:
    po = tmp_path / "messages.po"
    po.write_text(_whole(body), encoding="utf-8")
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert (result.returncode != 0) == bool(line), (why, result.stderr)


def test_the_shipped_catalogs_read_cleanly() -> None:
    root = Path(__file__).resolve().parents[2] / "locales"
    for po in sorted(root.glob("*/LC_MESSAGES/messages.po")):
        assert check_po(po.read_text(encoding="utf-8")) == [], po
