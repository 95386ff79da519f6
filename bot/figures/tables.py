"""From stored weekly totals to the report's tables, each one-dimensional and protected.

Weeks are summed over the period for every breakdown (language, route, transport, region,
danger kind, help shown): larger cells, fewer hidden ones. Only conversations are shown per
week. The conversations of the period are the one published total; the weeks, languages,
routes, transports and regions each add up to it and are protected together
(disclosure.protect). Danger kinds and help shown add up to nothing published.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from bot.figures import disclosure as d
from bot.figures import names as n
from bot.figures.weeks import reportable, span
from bot.store.base import FigureRow

LANGUAGES = {
    "nl": "Nederlands",
    "en": "Engels",
    "tr": "Turks",
    "ar": "Arabisch",
    "pl": "Pools",
    "uk": "Oekraïens",
    "ti": "Tigrinya",
    "fa": "Perzisch (Farsi, Dari)",
    d.OTHER: "andere talen samen",
}
ROUTES = {
    "route.direct": "zelf gevonden (zonder code)",
    "route.campaign": "via een campagne (campagnecode)",
    "route.trusted_person": "via een vertrouwenspersoon",
}
TRANSPORTS = {
    "transport.telegram": "Telegram",
    "transport.matrix": "Matrix",
    "transport.terminal": "terminal (test)",
    "transport.web": "web",
    d.OTHER: "andere kanalen samen",
}
REGIONS = {"twente": "Twente", "ijsselland": "IJsselland", "unknown": "onbekend"}
DANGER = {
    "general": "acuut gevaar (algemeen)",
    "child": "een kind in gevaar",
    "suicide": "gedachten aan zelfdoding",
    "sexual": "seksueel geweld",
    "abroad": "gedwongen reis naar het buitenland",
    "possible": "misschien gevaar (de vraag of het nu veilig is)",
}
HELP = {
    n.VEILIG_THUIS: "Veilig Thuis getoond",
    n.TRUSTED[0]: "vertrouwenspersoon aangeboden",
    n.TRUSTED[1]: "doorverbinden met vertrouwenspersoon aanvaard (komt nog)",
    n.TRUSTED[2]: "doorverbinden voltooid (komt nog)",
    n.TRUSTED[3]: "doorverbinden niet gelukt, andere hulp (komt nog)",
    n.ERASURES: "gesprek gewist door de bewoner",
}


@dataclass(frozen=True)
class Table:
    """One published table: rows of (key, label, figure), and its total if it has one."""

    id: str
    title: str
    rows: tuple[tuple[str, str, str], ...]
    total: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Report:
    """Everything the report shows, already protected."""

    weeks: tuple[str, ...]  # the weeks published
    held_back: tuple[str, ...]  # asked for, but not yet publishable
    region: str | None
    tables: tuple[Table, ...]


def build(
    rows: Iterable[FigureRow], first: str, last: str, region: str | None, today: dt.date
) -> Report:
    """The protected tables of weeks `first`..`last` (those already publishable)."""
    asked = span(first, last)
    weeks = [w for w in asked if reportable(w, today)]
    mine = [r for r in rows if r.week in weeks and (region is None or r.region == region)]
    period: Counter[str] = Counter()
    per_week: Counter[str] = Counter()
    per_region: Counter[str] = Counter()
    for r in mine:
        period[r.figure] += r.value
        if r.figure == n.CONVERSATIONS:
            per_week[r.week] += r.value
            per_region[r.region] += r.value
    langs = {k[len(n.LANGUAGE) :]: v for k, v in period.items() if k.startswith(n.LANGUAGE)}
    groups = {
        "weeks": {w: per_week[w] for w in weeks},
        "languages": _ordered(d.merge_small(langs), LANGUAGES),
        "routes": {k: period[k] for k in ROUTES},
        # small channels (the terminal, the web chat that does not exist yet) merged
        "transports": _ordered(d.merge_small({k: period[k] for k in n.TRANSPORTS}), TRANSPORTS),
    }
    if region is None:
        groups["regions"] = {k: per_region[k] for k in REGIONS}
    safe = d.protect(period[n.CONVERSATIONS], groups)
    tables = [
        _table("conversations", "Gesprekken per week", safe.groups["weeks"], {}, safe.total),
        _table("languages", "Gesprekken per taal", safe.groups["languages"], LANGUAGES),
        _table("routes", "Hoe mensen de chat vonden", safe.groups["routes"], ROUTES),
        _table("transports", "Via welk kanaal", safe.groups["transports"], TRANSPORTS),
    ]
    if region is None:
        tables.append(_table("regions", "Per regio", safe.groups["regions"], REGIONS))
    kinds = [k[len(n.DANGER) :] for k in period if k.startswith(n.DANGER)]
    danger = {k: d.publish(period[n.DANGER + k]) for k in dict.fromkeys([*DANGER, *kinds])}
    tables.append(_table("danger", "Schermen bij acuut gevaar, per soort", danger, DANGER))
    shown = {k: d.publish(period[k]) for k in HELP}
    tables.append(_table("help", "Hulp getoond en gesprekken gewist", shown, HELP))
    return Report(tuple(weeks), tuple(w for w in asked if w not in weeks), region, tuple(tables))


def _ordered(cells: dict[str, int], order: dict[str, str]) -> dict[str, int]:
    """In a fixed order (never by size: that would rank cells that are shown alike)."""
    rank = {k: i for i, k in enumerate(order)}
    return dict(sorted(cells.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def _table(
    id: str, title: str, cells: dict[str, str], labels: dict[str, str], total: str | None = None
) -> Table:
    if not cells:
        note = "Niet gepubliceerd: te weinig gesprekken om deze verdeling veilig te tonen."
        return Table(id, title, (), total, note)
    rows = tuple((k, labels.get(k, k), v) for k, v in cells.items())
    return Table(id, title, rows, total)
