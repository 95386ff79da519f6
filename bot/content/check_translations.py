"""`vrede check` for translations: which languages are offered and why not, .po syntax as
strict as `msgfmt --check`, and per language missing, stale or broken texts."""

from __future__ import annotations

from pathlib import Path

from bot.engine.problem import Problem
from bot.engine.text import normalise, phone_numbers, placeholders
from bot.engine.validate import MAX_LABEL
from bot.i18n.catalogs import SOURCE, Catalogs, Entry, entries, po_path
from bot.i18n.extract import Msg, messages, wanted
from bot.i18n.offered import MIN_SHARE, Key, syntax_errors
from bot.yamlsrc import Source, YamlError, parse


def translation_problems(
    sources: list[Source], locales: Path, danger: Path
) -> tuple[Catalogs | None, list[Problem]]:
    """The catalogs as the bot would load them, and every problem in them."""
    try:
        catalogs = Catalogs.load(locales, wanted(sources), danger)
    except Exception as exc:  # any broken catalog is a finding, not a crash
        return None, [Problem("error", "catalog", f"cannot load catalogs: {exc}", str(locales))]
    out = _left_out(catalogs, locales)
    readable = []
    for lang in catalogs.listed:
        path = po_path(locales, lang)
        errors = syntax_errors(path) if lang != SOURCE and path.exists() else []
        out += [
            Problem("error", "po_syntax", e.message, _name(path, locales), e.line) for e in errors
        ]
        if not errors:
            readable.append(lang)
    return catalogs, out + _translations(sources, locales, tuple(readable))


def _left_out(catalogs: Catalogs, locales: Path) -> list[Problem]:
    """One error per listed language that residents are not offered, at its line."""
    listing = locales / "languages.yaml"
    lines: dict[str, int] = {}
    try:
        src = parse(listing.read_text(encoding="utf-8"), str(listing))
        for n, item in enumerate(src.data.get("languages", [])):
            lines[str(item.get("code"))] = src.line(("languages", n))
    except (YamlError, AttributeError):
        pass
    return [
        Problem(
            "error",
            "language_incomplete",
            f"'{code}' is not offered to residents (not in the language menu, never guessed): "
            f"{why}. A language is offered when its catalog reads cleanly, danger/{code}.yaml "
            f"exists and at least {MIN_SHARE:.0%} of the texts are translated and not fuzzy",
            _name(listing, locales),
            lines.get(code, 0),
        )
        for code, why in catalogs.left_out.items()
    ]


def _name(path: Path, locales: Path) -> str:
    return (
        str(path.relative_to(locales.parent)) if path.is_relative_to(locales.parent) else str(path)
    )


def _translations(
    sources: list[Source], locales: Path, languages: tuple[str, ...]
) -> list[Problem]:
    """Per language: missing and fuzzy entries (warnings), broken placeholders or numbers (errors)."""
    texts = [(src, m) for src in sources for m in messages(src)]
    out: list[Problem] = []
    for lang in languages:
        if lang == SOURCE:
            continue
        path = po_path(locales, lang)
        name = _name(path, locales)
        if not path.exists():
            out.append(Problem("warning", "untranslated", f"no catalog for '{lang}'", name))
            continue
        table = entries(path)
        missing: list[str] = []
        fuzzy: list[str] = []
        for _src, msg in texts:
            entry = table.get((msg.context, msg.text))
            if entry is None or not entry.text:
                missing.append(msg.context)
                continue
            if entry.fuzzy:
                fuzzy.append(msg.context)
            out += _compare(msg.context, msg.text, entry.text, name, entry.line)
        out += _dead_routes(texts, table, name)
        if missing:
            said = (
                f"'{lang}': {len(missing)} of {len(texts)} texts not translated: {_names(missing)}"
            )
            out.append(Problem("warning", "untranslated", said, name))
        if fuzzy:
            said = f"'{lang}': {len(fuzzy)} texts are stale (fuzzy) and not shown: {_names(fuzzy)}"
            out.append(Problem("warning", "fuzzy", said, name))
    return out


def _names(contexts: list[str], shown: int = 8) -> str:
    """The texts by their context (node and field, as msgctxt in the catalog)."""
    more = len(contexts) - shown
    return ", ".join(contexts[:shown]) + (f" and {more} more" if more > 0 else "")


def _dead_routes(
    texts: list[tuple[Source, Msg]], table: dict[Key, Entry], file: str
) -> list[Problem]:
    """Translated route words that are a command word in that language (Dutch command words
    and labels count in every language, as the engine reads them): typing them runs the
    command, never the option."""
    commands: dict[str, str] = {}
    for _src, msg in texts:
        if msg.context.startswith("command."):
            name = msg.context.split(".")[1]
            entry = table.get((msg.context, msg.text))
            for word in [name, *_words(msg.text), *_words(entry.text if entry else "")]:
                commands.setdefault(normalise(word).strip(), name)
    out = []
    for _src, msg in texts:
        entry = table.get((msg.context, msg.text))
        if ".route." not in msg.context or entry is None or not entry.text or entry.fuzzy:
            continue
        for word in _words(entry.text):
            if (cmd := commands.get(normalise(word).strip())) is not None:
                node = msg.context.split(".")[0]
                said = (
                    f"{msg.context}: route word '{word}' is also a word of the command '{cmd}' "
                    "in this language, so typing it runs the command and never this option; "
                    "use another word or a longer phrase"
                )
                out.append(Problem("error", "route_is_command", said, file, entry.line, node))
    return out


def _words(joined: str) -> list[str]:
    return [w.strip() for w in joined.split("|") if w.strip()]


def _compare(context: str, source: str, text: str, file: str, line: int) -> list[Problem]:
    node = context.split(".")[0]
    out = []
    if placeholders(text) != placeholders(source):
        want = ", ".join(f"{{{p}}}" for p in sorted(placeholders(source))) or "none"
        out.append(
            Problem(
                "error",
                "placeholder",
                f"{context}: placeholders differ from the source (expected {want})",
                file,
                line,
                node,
            )
        )
    is_label = ".option." in context or context.endswith(".label")
    if is_label and len(text) > MAX_LABEL:
        out.append(
            Problem(
                "error",
                "label_too_long",
                f"{context}: label has {len(text)} characters; a button shows about {MAX_LABEL}",
                file,
                line,
                node,
            )
        )
    if phone_numbers(text) != phone_numbers(source):
        src = ", ".join(phone_numbers(source)) or "none"
        out.append(
            Problem(
                "error",
                "phone_mismatch",
                f"{context}: numbers {phone_numbers(text)} differ from the source ({src}); use the placeholders",
                file,
                line,
                node,
            )
        )
    return out
