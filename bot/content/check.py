"""`vrede check`: every problem in dialogues, danger lexicons and translations, with places."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from bot.content.check_translations import translation_problems
from bot.content.loader import Loaded, load
from bot.engine.problem import Problem
from bot.engine.safety import Danger, Detector
from bot.engine.translate import SourceOnly, Translator
from bot.engine.validate import validate
from bot.yamlsrc import Source

EXAMPLE_TRUSTED = "trusted_persons.example.yaml"
# Errors that `vrede check` reports but that do not stop a running bot from starting: a check
# date typed in the future is an editorial slip, and a machine clock may lag behind.
CHECK_ONLY = frozenset({"verified_in_future"})


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
        catalogs, found = translation_problems(loaded.sources, locales, dialogues / "danger")
        tr = catalogs or tr
        problems += found
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
    return [p for p in problems if p.severity == "error" and p.code not in CHECK_ONLY]


def _findings(loaded: Loaded, tr: Translator, today: dt.date) -> list[Problem]:
    d = loaded.dialogue
    assert d is not None
    return list(validate(d, loaded.lexicons, tr, today, loaded.detector))


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
