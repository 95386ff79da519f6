"""A printable one-page flyer (HTML, A4) in one language: a neutral title, the QR code, how to
start on each channel, that the chat is anonymous and can be erased, Veilig Thuis and 112.

The words come from the dialogue's system texts (translated in the catalogs like every text),
so the flyer says what the bot says; nothing on it names violence.
"""

from __future__ import annotations

import html

from bot.engine.engine import Engine
from bot.kit.links import Links, qr_svg

STYLE = """
@page { size: A4; margin: 18mm; }
body { font-family: "Noto Sans", "DejaVu Sans", sans-serif; font-size: 14pt; line-height: 1.45;
       color: #222; max-width: 170mm; margin: 0 auto; }
h1 { font-size: 26pt; font-weight: 600; margin: 0 0 8mm; }
.qr { text-align: center; margin: 8mm 0; }
.qr svg { width: 70mm; height: 70mm; }
ul { padding-inline-start: 6mm; }
li { margin: 2mm 0; overflow-wrap: anywhere; }
.danger { font-size: 16pt; font-weight: 600; border-top: 1px solid #999; padding-top: 4mm; }
"""


def flyer(engine: Engine, lang: str, found: Links) -> str:
    """The flyer's HTML page in `lang` (right to left where the language is)."""
    t = _texts(engine, lang)
    link = found.primary
    ways = [
        engine.system_text(lang, "flyer_telegram", link=found.telegram) if found.telegram else "",
        engine.system_text(lang, "flyer_matrix", user=found.matrix_user, start=found.start)
        if found.matrix_user
        else "",
        engine.system_text(lang, "flyer_web", link=found.web) if found.web else "",
    ]
    items = "".join(f"<li>{html.escape(w)}</li>" for w in ways if w)
    code = f'<div class="qr">{qr_svg(link)}</div>' if link else ""
    direction = "rtl" if engine.tr.is_rtl(lang) else "ltr"
    return (
        f'<!doctype html>\n<html lang="{lang}" dir="{direction}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(t['flyer_title'])}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(t['flyer_title'])}</h1>\n<p>{html.escape(t['flyer_lead'])}</p>\n"
        f"{code}\n<p>{html.escape(t['flyer_scan'])}</p>\n<ul>{items}</ul>\n"
        f"<p>{html.escape(t['flyer_anonymous'])} {html.escape(t['flyer_erase'])}</p>\n"
        f"<p>{html.escape(t['flyer_advice'])}</p>\n"
        f'<p class="danger">{html.escape(t["emergency"])}</p>\n</body>\n</html>\n'
    )


def _texts(engine: Engine, lang: str) -> dict[str, str]:
    keys = ("flyer_title", "flyer_lead", "flyer_scan", "flyer_anonymous", "flyer_erase")
    return {k: engine.system_text(lang, k) for k in (*keys, "flyer_advice", "emergency")}
