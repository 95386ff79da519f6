"""`vrede check`: every problem in dialogues, danger lexicons and translations, with places."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.content.loader import Loaded, load
from bot.content.problems import Problem
from bot.engine.safety import Danger, Detector
from bot.engine.text import phone_numbers, placeholders
from bot.engine.translate import SourceOnly, Translator
from bot.engine.validate import MAX_LABEL, validate
from bot.i18n.catalogs import SOURCE, Catalogs, entries, po_path
from bot.i18n.extract import messages
from bot.yamlsrc import Source

EXAMPLE_TRUSTED = "trusted_persons.example.yaml"


def trusted_file(dialogues: Path, configured: Path | None) -> Path | None:
    """The trusted-person directory: the configured one, else the example beside the dialogues."""
    if configured is not None:
        return configured
    example = dialogues / EXAMPLE_TRUSTED
    return example if example.exists() else None


def check(
    dialogues: Path, locales: Path | None, today: dt.date, trusted: Path | None = None
) -> list[Problem]:
    """Load and check everything; problems are sorted by file and line."""
    loaded = load(dialogues, trusted_file(dialogues, trusted))
    problems = list(loaded.problems)
    problems += _lexicon_examples(loaded)
    tr: Translator = SourceOnly()
    if locales is not None and (locales / "languages.yaml").exists():
        try:
            tr = Catalogs.load(locales)
        except Exception as exc:  # any broken catalog is a finding, not a crash
            problems.append(
                Problem("error", "catalog", f"cannot load catalogs: {exc}", str(locales))
            )
        problems += _translations(loaded.sources, locales, tr.languages)
    if loaded.dialogue is not None:
        problems += _findings(loaded, tr, today)
    return sorted(problems, key=lambda p: (p.severity != "error", p.file, p.line))


def startup_errors(loaded: Loaded, tr: Translator, today: dt.date) -> list[Problem]:
    """The errors that stop the bot from starting: the same rules as `vrede check`."""
    # The danger examples are the lexicons' tests: `vrede check` and CI prove them; the bot
    # need not repeat them at every start (about a thousand searches).
    problems = list(loaded.problems)
    if loaded.dialogue is not None:
        problems += _findings(loaded, tr, today)
    return [p for p in problems if p.severity == "error"]


def _findings(loaded: Loaded, tr: Translator, today: dt.date) -> list[Problem]:
    d = loaded.dialogue
    assert d is not None
    out = []
    for f in validate(d, loaded.lexicons, tr, today, loaded.detector):
        origin = d.origins.get(f.where)
        file, line = (origin.file, origin.line) if origin else ("", 0)
        out.append(Problem(f.severity, f.code, f.message, file, line, f.node))  # type: ignore[arg-type]
    return out


def _lexicon_examples(loaded: Loaded) -> list[Problem]:
    """The examples in each danger file hold, with every language's rules and examples at
    once (as a resident's message is read): each kind's examples open that kind's screen,
    possible_examples only ask, must_not_match lines do neither. A warning counts the
    examples that are recognised only because they are listed themselves."""
    out = []
    detector = loaded.detector
    screens = loaded.dialogue.danger_screens if loaded.dialogue else {}
    for src in loaded.lexicon_sources:
        lex = loaded.lexicons.get(src.data["language"])
        if lex is None:
            continue
        alone = total = 0
        for kind, texts in lex.examples.items():
            for n, text in enumerate(texts):
                found = detector.detect(text, (lex.lang,))
                total += 1
                alone += not _opens(detector.detect(text, (lex.lang,), unlisted=True))
                ruled = {m.rule.tag for m in detector.matches(text) if m.rule.certain}
                same = found is not None and screens.get(found.kind) == screens.get(kind)
                if not (_opens(found) and (same or kind in ruled)):
                    got = _describe(detector, text)
                    msg = f"'{text}' must open the {kind} screen, but {got}"
                    out.append(
                        _lex_problem("danger_miss", msg, src, ("kinds", kind, "examples", n))
                    )
        for n, text in enumerate(lex.possible_examples):
            found = detector.detect(text, (lex.lang,))
            if found is None or found.certain:
                msg = f"'{text}' must only ask whether the resident is in danger, but {_describe(detector, text)}"
                out.append(_lex_problem("danger_possible", msg, src, ("possible_examples", n)))
        for n, text in enumerate(lex.must_not_match):
            if detector.detect(text, (lex.lang,)) is not None:
                msg = f"'{text}' must not look like danger, but {_describe(detector, text)}"
                out.append(_lex_problem("danger_false_alarm", msg, src, ("must_not_match", n)))
        if alone:
            msg = (
                f"{alone} of {total} examples are recognised only because they are listed: "
                "add rules or more examples like them (vrede danger --unlisted shows which)"
            )
            out.append(Problem("warning", "danger_examples_alone", msg, src.file, 1))
    return out


def _opens(found: Danger | None) -> bool:
    return found is not None and found.certain


def _describe(detector: Detector, text: str) -> str:
    """What a text triggers, in words a maintainer can act on."""
    found = detector.detect(text)
    if found is None:
        return "no rule matches"
    level = "opens the" if found.certain else "asks about"
    return f"{level} {found.kind} screen (rule '{found.rule}' in {found.lang}.yaml)"


def _lex_problem(code: str, msg: str, src: Source, path: tuple[str | int, ...]) -> Problem:
    return Problem("error", code, msg, src.file, src.line(path))


def _translations(
    sources: list[Source], locales: Path, languages: tuple[str, ...]
) -> list[Problem]:
    """Per language: missing and fuzzy entries (warnings), broken placeholders or numbers (errors)."""
    wanted = [(src, m) for src in sources for m in messages(src)]
    out: list[Problem] = []
    for lang in languages:
        if lang == SOURCE:
            continue
        path = po_path(locales, lang)
        name = (
            str(path.relative_to(locales.parent))
            if path.is_relative_to(locales.parent)
            else str(path)
        )
        if not path.exists():
            out.append(Problem("warning", "untranslated", f"no catalog for '{lang}'", name))
            continue
        table = entries(path)
        missing: list[str] = []
        fuzzy: list[str] = []
        for _src, msg in wanted:
            entry = table.get((msg.context, msg.text))
            if entry is None or not entry.text:
                missing.append(msg.context)
                continue
            if entry.fuzzy:
                fuzzy.append(msg.context)
            out += _compare(msg.context, msg.text, entry.text, name, entry.line)
        if missing:
            said = (
                f"'{lang}': {len(missing)} of {len(wanted)} texts not translated: {_names(missing)}"
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
