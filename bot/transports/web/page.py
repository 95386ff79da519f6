"""The chat page and its words: one neutral HTML page per language, no inline script or style
(the Content-Security-Policy forbids them), every label in the resident's language."""

from __future__ import annotations

from html import escape

from bot.runner import Runner
from bot.transports.web.options import WebOptions

# The page's own words (system texts) as the script needs them: name in JSON -> system key.
UI = {
    "exit": "web_exit",
    "exit_keys": "web_exit_keys",
    "message": "web_message",
    "send": "web_send",
    "log": "web_log",
    "cannot_hide": "web_cannot_hide",
    "offline": "web_offline",
    "emergency": "emergency",
}


def accepted(header: str | None) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (read, never kept)."""
    tags: list[tuple[float, int, str]] = []
    for n, part in enumerate((header or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and tag != "*" and q > 0:
            tags.append((-q, n, tag.strip()))
    return [t for _, _, t in sorted(tags)]


class Pages:
    """Renders (and keeps) the page and the labels for each language."""

    def __init__(self, runner: Runner, options: WebOptions) -> None:
        self.runner, self.options = runner, options
        self._ui: dict[str, dict[str, str | bool]] = {}
        self._html: dict[tuple[str, bool], str] = {}

    def language(self, asked: str | None, header: str | None) -> str:
        """`?lang=` if offered, else the first offered language the browser asks for."""
        for tag in ([asked] if asked else []) + accepted(header):
            found = self.runner.negotiate(tag)
            if found.split("_")[0] == tag.lower().replace("-", "_").split("_")[0]:
                return found
        return self.runner.negotiate(None)

    def ui(self, lang: str) -> dict[str, str | bool]:
        """The labels and fixed lines of the page in `lang`, for the script (kept per language)."""
        if lang not in self._ui:
            texts: dict[str, str | bool] = {
                k: self.runner.system_text(lang, v) for k, v in UI.items()
            }
            texts["lang"] = self.runner.negotiate(lang)
            texts["rtl"] = self.runner.notice(lang, "web_log").rtl
            self._ui[lang] = texts
        return self._ui[lang]

    def html(self, lang: str, embedded: bool) -> str:
        """The whole page in `lang` (kept per language)."""
        if (lang, embedded) not in self._html:
            self._html[lang, embedded] = self._render(lang, embedded)
        return self._html[lang, embedded]

    def _render(self, lang: str, embedded: bool) -> str:
        t = {k: escape(str(v)) for k, v in self.ui(lang).items() if k in UI}
        noscript = escape(self.runner.system_text(lang, "web_noscript"))
        o = self.options
        return PAGE.format(
            lang=escape(lang),
            dir="rtl" if self.ui(lang)["rtl"] else "ltr",
            title=escape(o.title),
            exit_url=escape(o.exit_url),
            embedded="1" if embedded else "0",
            noscript=noscript,
            **t,
        )


PAGE = """<!doctype html>
<html lang="{lang}" dir="{dir}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow, noarchive">
<meta name="format-detection" content="telephone=no">
<title>{title}</title>
<link rel="icon" href="favicon">
<link rel="stylesheet" href="static/chat.css">
<script src="static/chat.js" defer></script>
</head>
<body data-exit="{exit_url}" data-embedded="{embedded}" data-offline="{offline}">
<header class="bar">
<button type="button" id="exit" class="exit" aria-describedby="exit-keys">{exit}</button>
<p id="exit-keys" class="exit-keys">{exit_keys}</p>
</header>
<main id="main">
<h1 class="visually-hidden">{title}</h1>
<p class="emergency" id="emergency">{emergency}</p>
<div id="log" class="log" role="log" aria-live="polite" aria-relevant="additions" aria-label="{log}"></div>
<noscript><p class="note">{noscript}</p></noscript>
<form id="say" class="say" autocomplete="off" novalidate>
<label for="text" id="text-label">{message}</label>
<div class="say-row">
<textarea id="text" name="text" rows="2" maxlength="4096" autocomplete="off" autocapitalize="sentences" spellcheck="false" enterkeyhint="send"></textarea>
<button type="submit" id="send" class="send">{send}</button>
</div>
</form>
<p class="note" id="cannot-hide">{cannot_hide}</p>
</main>
</body>
</html>
"""
