"""Source texts of the dialogue files, with msgctxt = node id and field (a Babel extractor)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bot.i18n.catalogs import entries, po_path
from bot.yamlsrc import Source, YamlError, parse

GUIDE = "en"  # the language whose translation is shown to every translator beside the Dutch
# Word lists are each language's own words, not translations: no English rendering for them.
OWN_WORDS = (".route.", ".words", ".examples")

ROUTE_COMMENT = "Words that choose this option when typed. Keep the | between alternatives."
INTENT_WORDS = (
    "Words or short phrases that mean this, as residents type them; keep the | between them. "
    "A trailing * allows longer forms (groet*), '=' only the word itself, 'a + b' both anywhere."
)
INTENT_EXAMPLES = (
    "Whole example lines with this meaning, as residents would type them; keep the | between "
    "them. Write how people in your community say it, not a literal translation; add more."
)


@dataclass(frozen=True)
class Msg:
    """One translatable text: its context, Dutch source, line and a note for translators."""

    context: str
    text: str
    line: int
    comment: str = ""


def messages(src: Source) -> Iterator[Msg]:
    """Every translatable text in one parsed dialogue file, in file order."""
    data = src.data if isinstance(src.data, dict) else {}
    for key, text in data.get("system", {}).items():
        yield Msg(f"system.{key}", text, src.line(("system", key)))
    for name, cmd in data.get("commands", {}).items():
        yield Msg(f"command.{name}.label", cmd["label"], src.line(("commands", name)))
        if cmd.get("words"):
            yield Msg(
                f"command.{name}.words",
                " | ".join(cmd["words"]),
                src.line(("commands", name, "words")),
                ROUTE_COMMENT,
            )
    for nid, node in data.get("nodes", {}).items():
        yield Msg(f"{nid}.text", node["text"].strip(), src.line(("nodes", nid, "text")))
        for n, opt in enumerate(node.get("options", [])):
            path = ("nodes", nid, "options", n)
            yield Msg(
                f"{nid}.option.{opt['id']}",
                opt["label"],
                src.line(path),
                "Button label: keep it short.",
            )
            if opt.get("routes"):
                yield Msg(
                    f"{nid}.route.{opt['id']}",
                    " | ".join(opt["routes"]),
                    src.line((*path, "routes")),
                    ROUTE_COMMENT,
                )
    for name, intent in data.get("intents", {}).items():
        for field, comment in (("words", INTENT_WORDS), ("examples", INTENT_EXAMPLES)):
            if intent.get(field):
                yield Msg(
                    f"intent.{name}.{field}",
                    " | ".join(intent[field]),
                    src.line(("intents", name, field)),
                    comment,
                )
    for cid, contact in data.get("contacts", {}).items():
        if contact.get("note", "").strip():
            yield Msg(
                f"contact.{cid}.note", contact["note"].strip(), src.line(("contacts", cid, "note"))
            )


English = Mapping[tuple[str, str], str]


def english(locales: Path | None) -> dict[tuple[str, str], str]:
    """The English translations that are done (not fuzzy), keyed by (msgctxt, msgid)."""
    path = po_path(locales, GUIDE) if locales is not None else None
    if path is None or not path.is_file():
        return {}
    return {key: e.text for key, e in entries(path).items() if e.text and not e.fuzzy}


def notes(msg: Msg, guide: English) -> list[str]:
    """The extracted comments of a text: the note for translators, then `en: ...`, the
    English rendering, for translators who do not read Dutch."""
    out = [msg.comment] if msg.comment else []
    rendering = guide.get((msg.context, msg.text))
    if rendering and not any(tag in msg.context for tag in OWN_WORDS):
        out += [f"{GUIDE}: {line}" for line in rendering.splitlines() if line.strip()]
    return out


def extract_yaml(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Babel extraction method: `pybabel extract -F babel.cfg`. Yields pgettext-style entries.

    The option `locales` (babel.cfg: the catalogs' folder, from where pybabel runs) adds the
    English rendering, as `vrede i18n extract` does."""
    try:
        src = parse(fileobj.read().decode("utf-8"), getattr(fileobj, "name", "<yaml>"))
    except YamlError:
        return
    guide = english(Path(options["locales"])) if options.get("locales") else {}
    for msg in messages(src):
        yield msg.line, "pgettext", (msg.context, msg.text), notes(msg, guide)


def wanted(sources: list[Source]) -> set[tuple[str, str]]:
    """(msgctxt, msgid) of every text the dialogue asks translators for."""
    return {(m.context, m.text) for src in sources for m in messages(src)}
