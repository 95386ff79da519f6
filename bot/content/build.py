"""From checked YAML data to the engine's immutable model: nodes, contacts, hours, people,
intents and commands, with where each came from (for messages that name file and line)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.engine.hours import parse_days, parse_time
from bot.engine.model import (
    Command,
    Contact,
    Dialogue,
    Hours,
    Intent,
    Interval,
    Node,
    Option,
    Origin,
    TrustedPerson,
)
from bot.engine.problem import Problem, errors
from bot.yamlsrc import Source

META_KEYS = ("entry", "danger_node", "help_node")


def build(sources: list[Source], problems: list[Problem]) -> Dialogue | None:
    meta: dict[str, Any] = {
        "commands": {},
        "system": {},
        "entry_codes": {},
        "entry_regions": {},
        "regions": {},
        "danger_screens": {},
        "situations": {},
    }
    nodes: dict[str, Node] = {}
    contacts: dict[str, Contact] = {}
    trusted: dict[str, TrustedPerson] = {}
    intents: dict[str, Intent] = {}
    origins: dict[str, Origin] = {}
    for src in sources:
        _meta(src, meta, origins, problems)
        _collect(src, "nodes", nodes, origins, problems, _node)
        _collect(src, "contacts", contacts, origins, problems, _contact)
        _collect(src, "trusted_persons", trusted, origins, problems, _person)
        _collect(src, "intents", intents, origins, problems, _intent)
    for key in META_KEYS:
        if key not in meta:
            problems.append(Problem("error", "missing_setting", f"'{key}' is not set in any file"))
    if errors(problems):
        return None
    digest = hashlib.sha256(
        json.dumps([s.data for s in sources], sort_keys=True, default=str).encode()
    )
    commands = {n: _command(n, c) for n, c in meta["commands"].items()}
    return Dialogue(
        version=digest.hexdigest()[:12],
        entry=meta["entry"],
        danger_node=meta["danger_node"],
        help_node=meta["help_node"],
        nodes=nodes,
        contacts=contacts,
        commands=commands,
        system=dict(meta["system"]),
        entry_codes=dict(meta["entry_codes"]),
        entry_regions=dict(meta["entry_regions"]),
        trusted=trusted,
        regions=dict(meta["regions"]),
        danger_screens=dict(meta["danger_screens"]),
        intents=intents,
        situations=dict(meta["situations"]),
        origins=origins,
    )


def _meta(
    src: Source, meta: dict[str, Any], origins: dict[str, Origin], problems: list[Problem]
) -> None:
    for key in (
        *META_KEYS,
        "commands",
        "system",
        "entry_codes",
        "entry_regions",
        "regions",
        "danger_screens",
        "situations",
    ):
        if key not in src.data:
            continue
        if key in META_KEYS:
            if key in meta:
                problems.append(
                    Problem(
                        "error",
                        "duplicate_setting",
                        f"'{key}' is set twice",
                        src.file,
                        src.line((key,)),
                    )
                )
            meta[key] = src.data[key]
            origins[f"setting:{key}"] = Origin(src.file, src.line((key,)))
            continue
        for name, value in src.data[key].items():
            if name in meta[key]:
                problems.append(
                    Problem(
                        "error",
                        "duplicate_id",
                        f"{key} '{name}' is defined twice",
                        src.file,
                        src.line((key, name)),
                    )
                )
            meta[key][name] = value
            origins[f"{key}:{name}"] = Origin(src.file, src.line((key, name)))


def _collect(
    src: Source,
    section: str,
    into: dict[str, Any],
    origins: dict[str, Origin],
    problems: list[Problem],
    make: Any,
) -> None:
    kind = {
        "nodes": "node",
        "contacts": "contact",
        "trusted_persons": "trusted",
        "intents": "intent",
    }[section]
    for ident, raw in src.data.get(section, {}).items():
        line = src.line((section, ident))
        if ident in into:
            first = origins[f"{kind}:{ident}"]
            msg = f"duplicate {kind} id '{ident}' (first defined at {first.file}:{first.line})"
            problems.append(Problem("error", "duplicate_id", msg, src.file, line, ident))
            continue
        try:
            into[ident] = make(ident, raw)
        except ValueError as exc:
            problems.append(Problem("error", "bad_value", str(exc), src.file, line, ident))
            continue
        origins[f"{kind}:{ident}"] = Origin(src.file, line)
        for field in ("text", "last_verified"):  # where those checks point
            if isinstance(raw, dict) and field in raw:
                origins[f"{field}:{ident}"] = Origin(src.file, src.line((section, ident, field)))
        for n, opt in enumerate(raw.get("options", []) if kind == "node" else []):
            origins[f"option:{ident}.{opt['id']}"] = Origin(
                src.file, src.line((section, ident, "options", n))
            )


def _node(ident: str, raw: dict[str, Any]) -> Node:
    options = tuple(
        Option(
            o["id"],
            o["label"],
            o.get("goto"),
            o.get("action"),
            tuple(o.get("routes", ())),
            o.get("region"),
        )
        for o in raw["options"]
    )
    seen = [o.id for o in options]
    if len(set(seen)) != len(seen):
        raise ValueError(f"option ids repeat on node '{ident}': {', '.join(seen)}")
    return Node(
        ident,
        raw["text"].strip(),
        options,
        tuple(raw.get("contacts", ())),
        raw.get("handoff"),
        bool(raw.get("urgent", False)),
        {k: tuple(v) for k, v in raw.get("regional", {}).items()},
    )


def _person(ident: str, raw: dict[str, Any]) -> TrustedPerson:
    return TrustedPerson(
        ident,
        raw["name"],
        tuple(raw["languages"]),
        tuple(raw["regions"]),
        raw.get("phone"),
        raw.get("messenger"),
        raw.get("walk_in"),
        _hours(raw),
        raw.get("code"),
    )


def _intent(ident: str, raw: dict[str, Any]) -> Intent:
    return Intent(
        ident,
        raw.get("goto"),
        raw.get("action"),
        tuple(raw.get("words") or ()),
        tuple(raw.get("examples") or ()),
        bool(raw.get("weak", False)),
        frozenset(raw.get("before_danger") or ()),
        bool(raw.get("wins", False)),
    )


def _contact(ident: str, raw: dict[str, Any]) -> Contact:
    try:
        verified = dt.date.fromisoformat(raw["last_verified"])
    except ValueError:
        raise ValueError(f"last_verified {raw['last_verified']!r} is not a date") from None
    return Contact(
        ident,
        raw["name"],
        raw.get("phone"),
        raw.get("url"),
        raw["cost"],
        raw["anonymity"],
        _hours(raw),
        raw.get("note", "").strip(),
        raw["source"],
        verified,
        bool(raw.get("urgent", False)),
    )


def _hours(raw: dict[str, Any]) -> Hours | None:
    spec = raw.get("hours")
    if spec is None:
        return None
    if spec == "always":
        return Hours(always=True)
    try:
        tz = ZoneInfo(raw.get("timezone", "Europe/Amsterdam"))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {raw.get('timezone')!r}") from None
    intervals: list[Interval] = []
    for item in spec:
        days, _, span = item.partition(" ")
        start, _, end = span.partition("-")
        a, b = parse_time(start), parse_time(end)
        if a >= b:
            raise ValueError(f"hours '{item}': the end must come after the start")
        intervals.extend(Interval(d, a, b) for d in parse_days(days))
    holidays = bool(raw.get("closed_on_holidays", False))
    usually = bool(raw.get("usually", False))
    return Hours(False, tuple(intervals), tz, holidays, usually)


def _command(name: str, raw: dict[str, Any]) -> Command:
    return Command(name, raw["label"], tuple(raw.get("words", ())), bool(raw.get("button", False)))  # type: ignore[arg-type]
