"""The conversation API the page's script calls: start, say, erase. Neutral model in, JSON out.

The browser holds a random token for its conversation in page memory and sends it with every
message; the server passes it to the runner, which only ever uses its HMAC (`runner.key`), and
keeps nothing else: no address, no user agent, no token. A message that cannot be understood
as JSON still gets a calm answer with the 112 line, never a bare error.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from typing import Any

from aiohttp import web

from bot.engine import inputs as i
from bot.engine.replies import Erase, Message, Reply
from bot.runner import Runner
from bot.transports.web.limits import Lanes, RateLimits
from bot.transports.web.options import WebOptions
from bot.transports.web.page import Pages

log = logging.getLogger(__name__)
PLATFORM = "web"
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # an entry code, as in a Telegram deep link
TEXT_LIMIT = 4096  # characters read of one message (the text field's maxlength)
ID_LIMIT = 64  # characters of a button id or node id


def new_token() -> str:
    """A fresh conversation token (only the browser keeps it)."""
    return secrets.token_urlsafe(32)


def to_input(body: dict[str, Any]) -> i.Input:
    """A pressed button, typed text, or (anything else) content the bot cannot read."""
    choice, node = body.get("choice"), body.get("node")
    if isinstance(choice, str) and 0 < len(choice) <= ID_LIMIT:
        return i.Choice(choice, node if isinstance(node, str) and len(node) <= ID_LIMIT else None)
    text = body.get("text")
    if isinstance(text, str) and text.strip():
        return i.Text(text[:TEXT_LIMIT])
    return i.Unsupported("other")


def message(m: Message) -> dict[str, Any]:
    """A message as the page renders it."""
    return {
        "text": m.text,
        "node": m.node,
        "lang": m.lang,
        "rtl": m.rtl,
        "urgent": m.urgent,
        "options": [{"id": b.id, "label": b.label} for b in m.options],
        "commands": [{"id": b.id, "label": b.label} for b in m.commands],
        "contacts": [{"name": c.name, "phone": c.phone, "url": c.url} for c in m.contacts],
    }


class Chats:
    """The API handlers, over the runner."""

    def __init__(self, runner: Runner, options: WebOptions, pages: Pages) -> None:
        self.runner, self.options, self.pages = runner, options, pages
        lim = options.limits
        self.limits = RateLimits(lim.burst, lim.per_second, lim.starts_burst, lim.starts_per_second)
        self.lanes = Lanes(lim.ordinary_at_once)

    async def start(self, request: web.Request) -> web.StreamResponse:
        """A new conversation: a token, the greeting (in the page's language, or by entry code)."""
        body = await _body(request)
        lang = _lang(body)
        if not self.limits.start():
            return self._notice(lang, "web_busy", 429)
        code = body.get("code")
        code = code if isinstance(code, str) and CODE.fullmatch(code) else None
        return await self._turn(request, new_token(), i.Start(code, lang), lang)

    async def say(self, request: web.Request) -> web.StreamResponse:
        """One message or pressed button in a conversation (a new one if the token is unknown)."""
        body = await _body(request)
        lang, token = _lang(body), body.get("token")
        if not (isinstance(token, str) and TOKEN.fullmatch(token)):
            if not self.limits.start():
                return self._notice(lang, "web_busy", 429)
            token = new_token()
        if not self.limits.message(self.runner.key(PLATFORM, token)):
            return self._notice(lang, "web_busy", 429)
        inp = to_input(body)

        def urgent() -> bool:
            return isinstance(inp, i.Text) and self.runner.is_urgent(inp.text, lang)

        async with self.lanes.turn(urgent):
            return await self._turn(request, token, inp, lang)

    async def erase(self, request: web.Request) -> web.Response:
        """Forget a conversation at once (quick exit: sent by navigator.sendBeacon, as text)."""
        raw = (await request.text())[:200].strip()
        token = _parse(raw).get("token") if raw.startswith("{") else raw
        if isinstance(token, str) and TOKEN.fullmatch(token):
            await self.runner.erase(PLATFORM, token)
            self.limits.forget(self.runner.key(PLATFORM, token))
        return web.Response(status=204)

    # ----------------------------------------------------------------- inside
    async def _turn(
        self, request: web.Request, token: str, inp: i.Input, lang: str | None
    ) -> web.StreamResponse:
        """Run the turn; the answer goes out as soon as the runner delivers it, like a message
        on a messenger, so the resident does not wait while the turn is saved and counted."""
        sent: list[web.StreamResponse] = []

        async def deliver(replies: tuple[Reply, ...]) -> None:
            if sent:  # one answer per request; the runner delivers once per turn
                self.runner.metrics.inc("web_late_replies")
                return
            response = self._answer(token, list(replies), lang)  # a bug here: the 112 line
            sent.append(response)
            try:
                await response.prepare(request)
                await response.write_eof()
            except ConnectionError:  # the page went away (closed, quick exit): turn goes on
                self.runner.metrics.inc("web_gone")

        try:
            await self.runner.handle(PLATFORM, token, inp, deliver, lang, helpers=False)
        except Exception as exc:
            if not sent:
                raise  # answered with the 112 line by the server's error handling
            log.error("web turn failed after its answer: %s", type(exc).__name__)
            self.runner.metrics.inc("web_errors")
        return sent[0] if sent else self._answer(token, [], lang)

    def _answer(self, token: str, said: list[Reply], lang: str | None) -> web.Response:
        """The JSON answer: the messages (acute danger first), the token, and the page's
        labels when the conversation's language changed."""
        shown = [r for r in said if isinstance(r, Message)]
        shown.sort(key=lambda m: not m.urgent)  # acute danger first
        erased = any(isinstance(r, Erase) for r in said)
        if erased:  # the engine's line speaks of messenger apps; the page says its own
            self.limits.forget(self.runner.key(PLATFORM, token))
            said_lang = shown[-1].lang if shown else lang
            shown, token = [self.runner.notice(said_lang, "web_erased")], new_token()
        now = shown[-1].lang if shown else self.runner.negotiate(lang)
        payload = {"token": token, "erased": erased, "messages": [message(m) for m in shown]}
        if now != lang:  # the page's labels change with the conversation's language
            payload["ui"] = self.pages.ui(now)
        return web.json_response(payload)

    def _notice(self, lang: str | None, key: str, status: int) -> web.Response:
        """A line of the page's own, with the 112 line, as the API's answer."""
        note = self.runner.notice(lang, key)
        payload = {"messages": [message(note)], "ui": self.pages.ui(note.lang)}
        return web.json_response(payload, status=status)

    def failed(self, lang: str | None, status: int) -> web.Response:
        """What the page shows when a request failed: the short apology with 112."""
        return self._notice(lang, "error", status)


async def _body(request: web.Request) -> dict[str, Any]:
    """The JSON object sent; {} for anything else (answered as unreadable input)."""
    if request.content_type != "application/json":
        # Only a same-origin script sends JSON: a form on another site cannot (no preflight).
        raise web.HTTPUnsupportedMediaType()
    return _parse(await request.text())


def _parse(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _lang(body: dict[str, Any]) -> str | None:
    lang = body.get("lang")
    return lang if isinstance(lang, str) and len(lang) <= 16 else None
