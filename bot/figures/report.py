"""The report in three formats: one HTML page for a council, CSV and JSON for own tools."""

from __future__ import annotations

import csv
import io
import json
from html import escape

from bot.figures.disclosure import HIDDEN, SMALL
from bot.figures.svg import bars
from bot.figures.tables import REGIONS, Report, Table

FORMATS = ("html", "csv", "json")
RULES = (
    "Kleine aantallen (minder dan 10, ook 0) staan er als “<10”.",
    "Alle andere aantallen zijn afgerond op 5.",
    "Een “x” is verborgen, zodat niemand een klein aantal kan terugrekenen uit het totaal.",
    "Talen met minder dan 10 gesprekken staan samen onder “andere talen samen”.",
    "Een week verschijnt pas als ze voorbij is, plus nog een week.",
    "Nooit: wat iemand schreef, namen, telefoonnummers, chat-id's, codes, tijdstippen,"
    " gemeenten. Alleen totalen per week en regio.",
)
CHARTS = ("conversations", "languages")


def render(report: Report, fmt: str) -> str:
    """The report as "html", "csv" or "json"."""
    return {"html": html, "csv": as_csv, "json": as_json}[fmt](report)


def as_json(report: Report) -> str:
    """The same figures for a municipality's own tools (strings: "<10" and "x" included)."""
    data = {
        "weeks": list(report.weeks),
        "not_yet_published": list(report.held_back),
        "region": report.region or "all",
        "legend": {SMALL: "fewer than 10 (0-9)", HIDDEN: "hidden (secondary suppression)"},
        "tables": [
            {
                "id": t.id,
                "title": t.title,
                "total": t.total,
                "note": t.note,
                "rows": [{"key": k, "label": label, "value": v} for k, label, v in t.rows],
            }
            for t in report.tables
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def as_csv(report: Report) -> str:
    """One line per published figure: table, key, label, value (totals have key "total")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "key", "label", "value", "weeks", "region"])
    period = _period(report)
    region = report.region or "all"
    for t in report.tables:
        for key, label, value in t.rows:
            writer.writerow([t.id, key, label, value, period, region])
        if t.total is not None:
            writer.writerow([t.id, "total", "totaal", t.total, period, region])
    return out.getvalue()


def html(report: Report) -> str:
    """One page, readable by a council member; charts are inline SVG."""
    where = REGIONS.get(report.region or "", "Twente en IJsselland")
    head = (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        f"<title>Huiselijke Vrede: cijfers {escape(_period(report))}</title>"
        "<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;color:#1d2b33}"
        "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{padding:.2em .8em;"
        "border-bottom:1px solid #d5dde2;text-align:left}td.n{text-align:right}"
        "h2{font-size:1.15em;margin-top:1.6em}.note{color:#55656e;font-size:.9em}</style>"
        "</head><body>"
    )
    parts = [
        head,
        f"<h1>Huiselijke Vrede: hoe wordt de chat gebruikt?</h1><p>{escape(where)}, "
        f"weken {escape(_period(report))}.</p>",
    ]
    if report.held_back:
        parts.append(
            f'<p class="note">Nog niet gepubliceerd (te recent): '
            f"{escape(', '.join(report.held_back))}.</p>"
        )
    for t in report.tables:
        parts.append(_html_table(t))
    parts.append("<h2>Hoe deze cijfers zijn beschermd</h2><ul>")
    parts += [f"<li>{escape(r)}</li>" for r in RULES]
    parts.append("</ul></body></html>\n")
    return "".join(parts)


def _html_table(t: Table) -> str:
    out = [f"<h2>{escape(t.title)}</h2>"]
    if t.note:
        return out[0] + f'<p class="note">{escape(t.note)}</p>'
    if t.id in CHARTS:
        out.append(bars(t.title, [(label, v) for _, label, v in t.rows]))
    out.append("<table>")
    out += [
        f'<tr><td>{escape(label)}</td><td class="n">{escape(v)}</td></tr>' for _, label, v in t.rows
    ]
    if t.total is not None:
        out.append(f'<tr><th>totaal</th><td class="n">{escape(t.total)}</td></tr>')
    out.append("</table>")
    return "".join(out)


def _period(report: Report) -> str:
    if not report.weeks:
        return "geen"
    return report.weeks[0] if len(report.weeks) == 1 else f"{report.weeks[0]}..{report.weeks[-1]}"
