"""Small bar charts as inline SVG: no script, no font files, no external assets."""

from __future__ import annotations

from html import escape

from bot.figures.disclosure import HIDDEN, SMALL, THRESHOLD

ROW = 22  # pixels per bar
LABEL = 190  # width of the label column
BARS = 300  # width of the longest bar
COLOUR = "#2f6f8f"
PALE = "#b9d3df"  # a "<10" bar: drawn pale and short, its height is not the figure


def bars(title: str, rows: list[tuple[str, str]]) -> str:
    """A horizontal bar chart of published figures ("<10" pale, hidden ones without a bar)."""
    numbers = [int(v) for _, v in rows if v not in (SMALL, HIDDEN)]
    top = max(numbers, default=THRESHOLD)
    height = ROW * len(rows) + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL + BARS + 80}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">'
    ]
    for n, (label, value) in enumerate(rows):
        y = 4 + n * ROW
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 15}" text-anchor="end" font-size="13" '
            f'font-family="sans-serif">{escape(label)}</text>'
        )
        width, colour = _bar(value, top)
        if width:
            parts.append(
                f'<rect x="{LABEL}" y="{y + 3}" width="{width}" height="{ROW - 6}" '
                f'fill="{colour}"/>'
            )
        shown = "verborgen" if value == HIDDEN else value
        parts.append(
            f'<text x="{LABEL + width + 6}" y="{y + 15}" font-size="13" '
            f'font-family="sans-serif">{escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _bar(value: str, top: int) -> tuple[int, str]:
    if value == HIDDEN:
        return 0, COLOUR
    if value == SMALL:
        return max(2, round(BARS * (THRESHOLD / 2) / max(top, THRESHOLD))), PALE
    return max(2, round(BARS * int(value) / top)), COLOUR
