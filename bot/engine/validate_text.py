"""Checks on what residents read: lengths, labels, plain language (B1), facts still verified."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping

from bot.engine.engine import Engine
from bot.engine.model import Dialogue
from bot.engine.problem import Problem, found
from bot.engine.safety import Detector, Lexicon
from bot.engine.session import Session
from bot.engine.text import normalise
from bot.engine.translate import Translator

MAX_TEXT = 4096  # Telegram's limit for one message
MAX_LABEL = 40  # longer labels are cut off on a phone's button
MAX_WORDS = 80
MAX_SENTENCE = 15.0
STALE_AFTER = dt.timedelta(days=365)


def label_findings(d: Dialogue, detector: Detector) -> Iterator[Problem]:
    words = {normalise(w) for c in d.commands.values() for w in (c.name, *c.words)}
    screens = {d.danger_node, *d.danger_screens.values()}
    for node in d.nodes.values():
        for opt in node.options:
            where = f"option:{node.id}.{opt.id}"
            if len(opt.label) > MAX_LABEL:
                yield found(
                    d.origins,
                    "error",
                    "label_too_long",
                    f"label of '{opt.id}' has {len(opt.label)} characters; a button shows about {MAX_LABEL}",
                    where,
                    node.id,
                )
            if normalise(opt.label) in words:
                yield found(
                    d.origins,
                    "error",
                    "label_collision",
                    f"label '{opt.label}' is also a global command word",
                    where,
                    node.id,
                )
            leads_to_danger = opt.action == "danger" or opt.goto in screens
            certain = any(m.rule.certain for m in detector.matches(opt.label))
            if not leads_to_danger and certain:
                yield found(
                    d.origins,
                    "error",
                    "label_collision",
                    f"label '{opt.label}' contains a danger word: typing it would open the acute-danger screen",
                    where,
                    node.id,
                )


def length_findings(
    d: Dialogue, lexicons: Mapping[str, Lexicon], tr: Translator, detector: Detector
) -> Iterator[Problem]:
    """Render every node in every language and region and measure what would really be sent."""
    engine = Engine(d, tr, lexicons, detector, understand=False)  # renders only
    now = dt.datetime(2026, 1, 5, 12, 0, tzinfo=dt.UTC)
    for lang in tr.languages:
        for node in d.nodes.values():
            regions = [None, *d.regions] if node.regional or node.handoff else [None]
            longest = max(
                len(engine.show(Session(node.id, lang, d.version, 0, 0, region=r), now).text)
                for r in regions
            )
            if longest > MAX_TEXT:
                yield found(
                    d.origins,
                    "error",
                    "text_too_long",
                    f"message in '{lang}' has {longest} characters; Telegram allows {MAX_TEXT}",
                    f"node:{node.id}",
                    node.id,
                )


def stale_contacts(d: Dialogue, today: dt.date) -> Iterator[Problem]:
    for c in d.contacts.values():
        if today - c.last_verified > STALE_AFTER:
            yield found(
                d.origins,
                "warning",
                "contact_stale",
                f"contact '{c.id}' was last verified on {c.last_verified}: check it again",
                f"contact:{c.id}",
            )


_SENTENCE = re.compile(r"[.!?:]+(?:\s|$)")


def readability(text: str) -> tuple[int, float]:
    """Words in a text and the average words per sentence (lists count as sentences)."""
    plain = re.sub(r"\{[^}]*\}", "X", text)
    chunks = [c for line in plain.splitlines() for c in _SENTENCE.split(line) if c.strip()]
    words = sum(len(c.split()) for c in chunks)
    return words, words / max(1, len(chunks))


def readability_findings(d: Dialogue) -> Iterator[Problem]:
    for node in d.nodes.values():
        words, avg = readability(node.text)
        if words > MAX_WORDS:
            yield found(
                d.origins,
                "warning",
                "readability",
                f"text has {words} words; keep a message under about {MAX_WORDS} (B1)",
                f"node:{node.id}",
                node.id,
            )
        if avg > MAX_SENTENCE:
            yield found(
                d.origins,
                "warning",
                "readability",
                f"sentences average {avg:.1f} words; keep it at most {MAX_SENTENCE:.0f} (B1)",
                f"node:{node.id}",
                node.id,
            )
