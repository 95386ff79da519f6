"""Schema errors in words a maintainer can act on: where (node, option counted from 1), what
is wrong, and the expected form with an example; never a validator's jargon."""

from __future__ import annotations

import difflib
import re
from typing import Any

import jsonschema

DAYS = ("mo", "tu", "we", "th", "fr", "sa", "su")
# Dutch (and English) day names people write, to the short English forms the files use.
_DAY_WORDS = {
    **dict(zip(("ma", "di", "wo", "do", "vr", "za", "zo"), DAYS, strict=True)),
    **dict(
        zip(
            ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
            DAYS,
            strict=True,
        )
    ),
    **dict(
        zip(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
            DAYS,
            strict=True,
        )
    ),
    **{d: d for d in DAYS},
}
HOURS_FORM = (
    'write each item as days and times, e.g. "mo-fr 09:00-17:00" or "sa,su 10:00-12:00" '
    "(days: mo tu we th fr sa su; times with two digits), or write: hours: always"
)
HOURS_ITEM = re.compile(
    r"^(mo|tu|we|th|fr|sa|su)(-(mo|tu|we|th|fr|sa|su))?(,(mo|tu|we|th|fr|sa|su)"
    r"(-(mo|tu|we|th|fr|sa|su))?)* [0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$"
)
EXAMPLES = {
    "last_verified": "a date as year-month-day, e.g. 2026-11-01",
    "phone": "digits with spaces or dashes, e.g. 0800-2000 or +31 70 123 4567",
    "url": "an address without https://, e.g. veiligthuis.nl",
    "id": "lower-case letters, digits and _, starting with a letter, e.g. veilig_thuis",
    "goto": "a node id: lower-case letters, digits and _, e.g. veilig_thuis",
    "code": "letters, digits, - and _, e.g. campagne",
    "language": "a language code, e.g. nl or pt_BR",
    "languages": "language codes, e.g. [nl, tr]",
}
_TYPES = {"string": "text", "array": "a list in [ ]", "object": "settings (key: value)"}
_TYPES |= {"boolean": "true or false", "integer": "a whole number", "number": "a number"}


def suggest_hours(item: str) -> str | None:
    """'ma-vr 9:00-17:00' -> 'mo-fr 09:00-17:00'; None when no fix is evident."""
    text = item.strip().lower().replace(" t/m ", "-").replace(" tot ", "-")
    text = re.sub(r"\s*-\s*", "-", text)
    text = re.sub(r"\b(\d{1,2})[:.](\d{2})\b", lambda m: f"{int(m[1]):02d}:{m[2]}", text)
    text = re.sub(r"(?<![:\d])(\d{1,2})(?=-|$)", lambda m: f"{int(m[1]):02d}:00", text)
    text = re.sub(r"[a-z]+", lambda m: _DAY_WORDS.get(m[0], m[0]), text)
    return text if HOURS_ITEM.match(text) and text != item else None


def where(data: Any, path: tuple[str | int, ...]) -> str:
    """'node 'start', option 2 (label 'Goed'), goto' for ('nodes', 'start', 'options', 1, ...)."""
    kinds = {"nodes": "node", "contacts": "contact", "trusted_persons": "trusted person"}
    kinds |= {"intents": "intent", "commands": "command", "system": "system text"}
    parts: list[str] = []
    rest = list(path)
    if len(rest) >= 2 and rest[0] in kinds:
        parts.append(f"{kinds[str(rest[0])]} '{rest[1]}'")
        data = _get(_get(data, rest[0]), rest[1])
        rest = rest[2:]
    while rest:
        key = rest.pop(0)
        if key == "options" and rest and isinstance(rest[0], int):
            n = int(rest.pop(0))
            data = _get(_get(data, "options"), n)
            label = data.get("label") if isinstance(data, dict) else None
            parts.append(f"option {n + 1}" + (f" (label '{label}')" if label else ""))
        elif isinstance(key, int):
            parts.append(f"item {key + 1}")
            data = _get(data, key)
        else:
            parts.append(str(key))
            data = _get(data, key)
    return ", ".join(parts) or "the file"


def _get(data: Any, key: str | int) -> Any:
    if isinstance(data, dict):
        return data.get(key)
    if isinstance(data, list) and isinstance(key, int) and key < len(data):
        return data[key]
    return None


def message(err: jsonschema.ValidationError) -> str:
    """What is wrong and the expected form, with an example."""
    field = next((str(p) for p in reversed(err.absolute_path) if isinstance(p, str)), "")
    if field == "hours" or (err.validator == "pattern" and HOURS_ITEM.pattern in str(err.schema)):
        return _hours(err.instance)
    if err.validator == "oneOf" and "goto" in str(err.schema):
        return "an option needs either 'goto' (a node) or 'action' (restart, help, ...), not both"
    if err.validator == "anyOf" and "phone" in str(err.schema):
        return "a contact needs a 'phone' or a 'url' (or both), e.g. phone: 0800-2000"
    if err.validator == "type" and isinstance(err.instance, bool):
        return f'{err.instance} is read as yes/no: put the value in quotes, e.g. "yes"'
    if err.validator == "type":
        value: Any = err.validator_value
        want = value if isinstance(value, str) else str(value[0])
        return f"expected {_TYPES.get(want, want)}, found {_shown(err.instance)}"
    if err.validator == "pattern":
        example = EXAMPLES.get(field, "")
        return f"{err.instance!r} has the wrong form" + (f": write {example}" if example else "")
    if err.validator == "required":
        missing = str(err.message).split("'")[1] if "'" in err.message else "a setting"
        return f"'{missing}' is missing"
    if err.validator == "additionalProperties":
        return _unknown_keys(err)
    if err.validator in ("oneOf", "anyOf"):
        best = jsonschema.exceptions.best_match(err.context or [])
        return message(best) if best is not None else "this value has none of the allowed forms"
    if err.validator == "enum":
        choices: Any = err.validator_value
        allowed = ", ".join(map(str, choices))
        return f"{_shown(err.instance)} is not allowed here; choose one of: {allowed}"
    return str(err.message)


def _hours(instance: Any) -> str:
    items = instance if isinstance(instance, list) else [instance]
    bad = [i for i in items if not (isinstance(i, str) and HOURS_ITEM.match(i))]
    for item in bad:
        fix = suggest_hours(item) if isinstance(item, str) else None
        if fix is not None:
            return f"{item!r} has the wrong form: write {fix!r} ({HOURS_FORM})"
    shown = repr(bad[0]) if bad else _shown(instance)
    return f"{shown} has the wrong form: {HOURS_FORM}"


def _unknown_keys(err: jsonschema.ValidationError) -> str:
    schema: Any = err.schema
    known = sorted(schema.get("properties", {}) if isinstance(schema, dict) else ())
    extra = [k for k in err.instance if k not in known] if isinstance(err.instance, dict) else []
    out = []
    for key in extra:
        close = difflib.get_close_matches(str(key), known, n=1)
        out.append(f"'{key}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    return f"unknown setting {', '.join(out)}; allowed here: {', '.join(known)}"


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return f"text {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "settings"
    return repr(value)
