"""Checks on a built Dialogue: settings, links, notes, regions, people; then the graph
(validate_graph.py) and what residents read (validate_text.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping

from bot.engine.model import Dialogue
from bot.engine.problem import Problem, found
from bot.engine.reach import situation_findings
from bot.engine.safety import Detector, Lexicon
from bot.engine.text import placeholders
from bot.engine.translate import Translator
from bot.engine.validate_facts import (
    dead_routes,
    future_checks,
    misplaced_settings,
    placeholder_findings,
    typed_number_findings,
    unused_contacts,
)
from bot.engine.validate_graph import (
    dead_ends,
    entry_region_problems,
    help_distance,
    region_problems,
    unreachable_nodes,
)
from bot.engine.validate_text import (
    MAX_LABEL,
    MAX_SENTENCE,
    MAX_WORDS,
    label_findings,
    length_findings,
    readability,
    readability_findings,
    stale_contacts,
)

__all__ = ["MAX_LABEL", "MAX_SENTENCE", "MAX_WORDS", "Problem", "readability", "validate"]

SYSTEM_KEYS = {
    "emergency": {"emergency"},
    "not_understood": set(),
    "not_understood_help": set(),
    "stale": set(),
    "only_text": set(),
    "error": set(),
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
    "third_member": set(),
    "moved": set(),
    "web_exit": set(),
    "web_exit_keys": set(),
    "web_message": set(),
    "web_send": set(),
    "web_log": set(),
    "web_cannot_hide": set(),
    "web_erased": set(),
    "web_offline": set(),
    "web_busy": set(),
    "web_noscript": set(),
    "relay_searching": set(),
    "relay_connected": {"name"},
    "relay_helper_name": {"name"},
    "relay_only_text": set(),
    "relay_none": set(),
    "relay_nobody": set(),
    "relay_cancelled": set(),
    "relay_ended": set(),
    "relay_ended_by_helper": set(),
    "relay_ended_idle": set(),
    "relay_lost": set(),
    "relay_reported": set(),
    "relay_cancel_button": set(),
    "relay_end_button": set(),
    "relay_report_button": set(),
    "relay_resident_name": {"tag"},
    "relay_region_unknown": set(),
    "relay_yes": set(),
    "relay_no": set(),
    "helper_welcome": set(),
    "helper_available": set(),
    "helper_paused": set(),
    "helper_outside_hours": set(),
    "helper_hours_over": set(),
    "helper_offer": {"language", "region", "via"},
    "helper_offer_gone": set(),
    "helper_offer_expired": set(),
    "helper_declined": set(),
    "helper_connected": {"resident"},
    "helper_danger": set(),
    "helper_only_text": set(),
    "helper_ended": set(),
    "helper_ended_idle": set(),
    "helper_lost": set(),
    "helper_available_button": set(),
    "helper_pause_button": set(),
    "helper_accept_button": set(),
    "helper_decline_button": set(),
}


def validate(
    d: Dialogue,
    lexicons: Mapping[str, Lexicon],
    tr: Translator,
    today: dt.date,
    detector: Detector | None = None,
) -> list[Problem]:
    """All findings for a dialogue, errors and warnings (`detector`: one already built)."""
    detector = detector if detector is not None else Detector(lexicons)
    out = [
        *_settings(d),
        *_links(d),
        *region_problems(d),
        *entry_region_problems(d),
        *_people(d, tr),
        *_slips(d, today),
    ]
    if any(f.severity == "error" for f in out):
        return out  # the graph checks below assume every link resolves
    out += [*unreachable_nodes(d), *dead_ends(d), *help_distance(d), *label_findings(d, detector)]
    out += [
        found(d.origins, sev, code, msg, f"situations:{name}")
        for sev, code, msg, name in situation_findings(d)
    ]
    out += [
        *length_findings(d, lexicons, tr, detector),
        *stale_contacts(d, today),
        *readability_findings(d),
    ]
    return out


def _slips(d: Dialogue, today: dt.date) -> Iterator[Problem]:
    yield from placeholder_findings(d)
    yield from typed_number_findings(d)
    yield from misplaced_settings(d)
    yield from unused_contacts(d)
    yield from future_checks(d, today)
    yield from dead_routes(d)


def _settings(d: Dialogue) -> Iterator[Problem]:
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
            yield found(d.origins, "error", "missing_node", msg, where)
    for kind, target in d.danger_screens.items():
        node = d.nodes.get(target)
        if node is None or not node.urgent:
            what = "does not exist" if node is None else "is not marked urgent: true"
            yield found(
                d.origins,
                "error",
                "danger_screen",
                f"danger screen for '{kind}' is node '{target}', which {what}",
                f"danger_screens:{kind}",
            )
    for key, needed in SYSTEM_KEYS.items():
        if key not in d.system:
            yield found(
                d.origins, "error", "missing_system_text", f"system text '{key}' is missing"
            )
        elif not needed <= placeholders(d.system[key]) or "112" in d.system[key]:
            yield found(
                d.origins,
                "error",
                "placeholder",
                f"system text '{key}' must use {sorted(needed)} and write 112 as {{emergency}}",
                f"system:{key}",
            )
    for name in ("restart", "erase", "danger", "language", "help"):
        if name not in d.commands:
            yield found(
                d.origins, "error", "missing_command", f"global command '{name}' is not defined"
            )


def _links(d: Dialogue) -> Iterator[Problem]:
    for node in d.nodes.values():
        for opt in node.options:
            if opt.goto is not None and opt.goto not in d.nodes:
                yield found(
                    d.origins,
                    "error",
                    "missing_node",
                    f"option '{opt.id}' goes to missing node '{opt.goto}'",
                    f"option:{node.id}.{opt.id}",
                    node.id,
                )
        regional = [c for cs in node.regional.values() for c in cs]
        for cid in dict.fromkeys([*node.contacts, *regional]):
            if cid not in d.contacts:
                yield found(
                    d.origins,
                    "error",
                    "missing_contact",
                    f"contact '{cid}' does not exist",
                    f"node:{node.id}",
                    node.id,
                )


def _people(d: Dialogue, tr: Translator) -> Iterator[Problem]:
    codes: dict[str, str] = {}
    for p in d.trusted.values():
        where = f"trusted:{p.id}"
        for region in p.regions:
            if region not in d.regions:
                yield found(
                    d.origins,
                    "error",
                    "unknown_region",
                    f"trusted person '{p.id}': region '{region}' is not in 'regions'",
                    where,
                )
        if not set(p.languages) & set(tr.languages):
            yield found(
                d.origins,
                "warning",
                "trusted_language",
                f"trusted person '{p.id}' speaks none of the offered languages",
                where,
            )
        if p.code and (p.code in d.entry_codes or p.code in codes):
            yield found(
                d.origins,
                "error",
                "duplicate_code",
                f"entry code '{p.code}' of '{p.id}' is already used",
                where,
            )
        if p.code:
            codes[p.code] = p.id
        if not (p.phone or p.messenger or p.walk_in):
            yield found(
                d.origins,
                "error",
                "trusted_unreachable",
                f"trusted person '{p.id}' has no phone, messenger or walk-in place",
                where,
            )
