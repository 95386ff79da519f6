"""Checks on a built Dialogue: links, reachability, dead ends, help distance, lengths, labels."""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from bot.engine.engine import Engine
from bot.engine.model import Dialogue, Node
from bot.engine.reach import situation_findings
from bot.engine.safety import Detector, Lexicon
from bot.engine.session import Session
from bot.engine.text import normalise, placeholders
from bot.engine.translate import Translator

HELP_STEPS = 3
MAX_TEXT = 4096  # Telegram's limit for one message
MAX_LABEL = 40  # longer labels are cut off on a phone's button
MAX_WORDS = 80
MAX_SENTENCE = 15.0
STALE_AFTER = dt.timedelta(days=365)
SYSTEM_KEYS = {
    "emergency": {"emergency"},
    "not_understood": set(),
    "not_understood_help": set(),
    "stale": set(),
    "only_text": set(),
    "choose_language": set(),
    "erased": set(),
    "resumed_restart": set(),
    "not_reviewed": set(),
    "open_always": set(),
    "open_now": {"time"},
    "usually_open_now": {"time"},
    "opens_today": {"time"},
    "opens_tomorrow": {"time"},
    "opens_day": {"day", "time"},
    "closed": set(),
    "cost_free": set(),
    "cost_local": set(),
    "cost_paid": set(),
    "anon_anonymous": set(),
    "anon_advice_anonymous": set(),
    "anon_named": set(),
    "trusted_none": set(),
    "trusted_from_link": set(),
    "reach_phone": {"value"},
    "reach_messenger": {"value"},
    "reach_walk_in": {"value"},
    "person_open_always": set(),
    "person_open_now": {"time"},
    "person_opens_today": {"time"},
    "person_opens_tomorrow": {"time"},
    "person_opens_day": {"day", "time"},
    "person_closed": set(),
    "bot_description": set(),
    "bot_short_description": set(),
    "private_only": set(),
}


@dataclass(frozen=True)
class Finding:
    """A problem in the dialogue; `where` is a key of Dialogue.origins such as 'node:start'."""

    severity: str
    code: str
    message: str
    where: str = ""
    node: str = ""


def validate(
    d: Dialogue,
    lexicons: Mapping[str, Lexicon],
    tr: Translator,
    today: dt.date,
    detector: Detector | None = None,
) -> list[Finding]:
    """All findings for a dialogue, errors and warnings (`detector`: one already built)."""
    detector = detector if detector is not None else Detector(lexicons)
    out = [*_settings(d), *_links(d), *_notes(d), *_regions(d), *_people(d, tr)]
    if any(f.severity == "error" for f in out):
        return out  # the graph checks below assume every link resolves
    out += [*_reachable(d), *_dead_ends(d), *_help_distance(d), *_labels(d, detector)]
    out += [
        Finding(sev, code, msg, f"situations:{name}")
        for sev, code, msg, name in situation_findings(d)
    ]
    out += [*_lengths(d, lexicons, tr, detector), *_stale_contacts(d, today), *_readability(d)]
    return out


def _settings(d: Dialogue) -> Iterator[Finding]:
    links = [
        (getattr(d, key), f"'{key}' names", f"setting:{key}")
        for key in ("entry", "danger_node", "help_node")
    ]
    links += [
        (t, f"entry code '{c}' leads to", f"entry_codes:{c}") for c, t in d.entry_codes.items()
    ]
    links += [
        (i.goto, f"intent '{n}' leads to", f"intent:{n}") for n, i in d.intents.items() if i.goto
    ]
    for target, what, where in links:
        if target not in d.nodes:
            msg = f"{what} missing node '{target}'"
            yield Finding("error", "missing_node", msg, where)
    for kind, target in d.danger_screens.items():
        node = d.nodes.get(target)
        if node is None or not node.urgent:
            what = "does not exist" if node is None else "is not marked urgent: true"
            yield Finding(
                "error",
                "danger_screen",
                f"danger screen for '{kind}' is node '{target}', which {what}",
                f"danger_screens:{kind}",
            )
    for key, needed in SYSTEM_KEYS.items():
        if key not in d.system:
            yield Finding("error", "missing_system_text", f"system text '{key}' is missing")
        elif not needed <= placeholders(d.system[key]) or "112" in d.system[key]:
            yield Finding(
                "error",
                "placeholder",
                f"system text '{key}' must use {sorted(needed)} and write 112 as {{emergency}}",
                f"system:{key}",
            )
    for name in ("restart", "erase", "danger", "language", "help"):
        if name not in d.commands:
            yield Finding("error", "missing_command", f"global command '{name}' is not defined")


def _known_placeholders(d: Dialogue) -> set[str]:
    """Placeholders a text may use: {emergency} and {<contact>.name|phone|url}."""
    return {f"{c}.{f}" for c in d.contacts for f in ("name", "phone", "url")} | {"emergency"}


def _links(d: Dialogue) -> Iterator[Finding]:
    known = _known_placeholders(d)
    for node in d.nodes.values():
        for opt in node.options:
            if opt.goto is not None and opt.goto not in d.nodes:
                yield Finding(
                    "error",
                    "missing_node",
                    f"option '{opt.id}' goes to missing node '{opt.goto}'",
                    f"option:{node.id}.{opt.id}",
                    node.id,
                )
        regional = [c for cs in node.regional.values() for c in cs]
        for cid in dict.fromkeys([*node.contacts, *regional]):
            if cid not in d.contacts:
                yield Finding(
                    "error",
                    "missing_contact",
                    f"contact '{cid}' does not exist",
                    f"node:{node.id}",
                    node.id,
                )
        for name in placeholders(node.text) - known:
            yield Finding(
                "error",
                "placeholder",
                f"unknown placeholder {{{name}}}",
                f"node:{node.id}",
                node.id,
            )


def _notes(d: Dialogue) -> Iterator[Finding]:
    known = _known_placeholders(d)
    for c in d.contacts.values():
        for name in placeholders(c.note) - known:
            yield Finding(
                "error",
                "placeholder",
                f"contact '{c.id}': unknown placeholder {{{name}}}",
                f"contact:{c.id}",
            )


def _regions(d: Dialogue) -> Iterator[Finding]:
    known = set(d.regions)
    for node in d.nodes.values():
        for region in node.regional:
            if region not in known | {"default"}:
                yield Finding(
                    "error",
                    "unknown_region",
                    f"region '{region}' is not in 'regions'",
                    f"node:{node.id}",
                    node.id,
                )
        for opt in node.options:
            if opt.region is not None and opt.region not in known | {"none"}:
                yield Finding(
                    "error",
                    "unknown_region",
                    f"option '{opt.id}' sets unknown region '{opt.region}'",
                    f"option:{node.id}.{opt.id}",
                    node.id,
                )


def _people(d: Dialogue, tr: Translator) -> Iterator[Finding]:
    codes: dict[str, str] = {}
    for p in d.trusted.values():
        where = f"trusted:{p.id}"
        for region in p.regions:
            if region not in d.regions:
                yield Finding(
                    "error",
                    "unknown_region",
                    f"trusted person '{p.id}': region '{region}' is not in 'regions'",
                    where,
                )
        if not set(p.languages) & set(tr.languages):
            yield Finding(
                "warning",
                "trusted_language",
                f"trusted person '{p.id}' speaks none of the offered languages",
                where,
            )
        if p.code and (p.code in d.entry_codes or p.code in codes):
            yield Finding(
                "error",
                "duplicate_code",
                f"entry code '{p.code}' of '{p.id}' is already used",
                where,
            )
        if p.code:
            codes[p.code] = p.id
        if not (p.phone or p.messenger or p.walk_in):
            yield Finding(
                "error",
                "trusted_unreachable",
                f"trusted person '{p.id}' has no phone, messenger or walk-in place",
                where,
            )


def _edges(d: Dialogue, node: Node) -> list[str]:
    targets = {"danger": d.danger_node, "help": d.help_node, "restart": d.entry}
    return [opt.goto or targets.get(opt.action or "", node.id) for opt in node.options]


def _reachable(d: Dialogue) -> Iterator[Finding]:
    roots = {d.entry, d.danger_node, d.help_node, *d.entry_codes.values()}
    roots |= {n for n in d.danger_screens.values() if n in d.nodes}
    roots |= {i.goto for i in d.intents.values() if i.goto is not None and i.goto in d.nodes}
    seen, todo = set(roots), deque(roots)
    while todo:
        for nxt in _edges(d, d.nodes[todo.popleft()]):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    for nid in d.nodes.keys() - seen:
        yield Finding(
            "error",
            "unreachable",
            f"node '{nid}' cannot be reached from the start",
            f"node:{nid}",
            nid,
        )


def _dead_ends(d: Dialogue) -> Iterator[Finding]:
    for node in d.nodes.values():
        if not node.options:
            yield Finding(
                "error",
                "dead_end",
                f"node '{node.id}' has no options: add a way forward or back",
                f"node:{node.id}",
                node.id,
            )


def _help_distance(d: Dialogue) -> Iterator[Finding]:
    """From every node a help node (contacts or handoff) is at most HELP_STEPS steps away."""
    dist = {nid: 0 for nid, n in d.nodes.items() if n.is_help or nid == d.danger_node}
    for _ in range(HELP_STEPS):
        for node in d.nodes.values():
            near = [dist[t] + 1 for t in _edges(d, node) if t in dist]
            if near and min(near) < dist.get(node.id, HELP_STEPS + 1):
                dist[node.id] = min(near)
    for nid in d.nodes.keys() - dist.keys():
        yield Finding(
            "error",
            "help_too_far",
            f"no help route within {HELP_STEPS} steps of node '{nid}'",
            f"node:{nid}",
            nid,
        )


def _labels(d: Dialogue, detector: Detector) -> Iterator[Finding]:
    words = {normalise(w) for c in d.commands.values() for w in (c.name, *c.words)}
    screens = {d.danger_node, *d.danger_screens.values()}
    for node in d.nodes.values():
        for opt in node.options:
            where = f"option:{node.id}.{opt.id}"
            if len(opt.label) > MAX_LABEL:
                yield Finding(
                    "error",
                    "label_too_long",
                    f"label of '{opt.id}' has {len(opt.label)} characters; a button shows about {MAX_LABEL}",
                    where,
                    node.id,
                )
            if normalise(opt.label) in words:
                yield Finding(
                    "error",
                    "label_collision",
                    f"label '{opt.label}' is also a global command word",
                    where,
                    node.id,
                )
            leads_to_danger = opt.action == "danger" or opt.goto in screens
            certain = any(m.rule.certain for m in detector.matches(opt.label))
            if not leads_to_danger and certain:
                yield Finding(
                    "error",
                    "label_collision",
                    f"label '{opt.label}' contains a danger word: typing it would open the acute-danger screen",
                    where,
                    node.id,
                )


def _lengths(
    d: Dialogue, lexicons: Mapping[str, Lexicon], tr: Translator, detector: Detector
) -> Iterator[Finding]:
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
                yield Finding(
                    "error",
                    "text_too_long",
                    f"message in '{lang}' has {longest} characters; Telegram allows {MAX_TEXT}",
                    f"node:{node.id}",
                    node.id,
                )


def _stale_contacts(d: Dialogue, today: dt.date) -> Iterator[Finding]:
    for c in d.contacts.values():
        if today - c.last_verified > STALE_AFTER:
            yield Finding(
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


def _readability(d: Dialogue) -> Iterator[Finding]:
    for node in d.nodes.values():
        words, avg = readability(node.text)
        if words > MAX_WORDS:
            yield Finding(
                "warning",
                "readability",
                f"text has {words} words; keep a message under about {MAX_WORDS} (B1)",
                f"node:{node.id}",
                node.id,
            )
        if avg > MAX_SENTENCE:
            yield Finding(
                "warning",
                "readability",
                f"sentences average {avg:.1f} words; keep it at most {MAX_SENTENCE:.0f} (B1)",
                f"node:{node.id}",
                node.id,
            )
