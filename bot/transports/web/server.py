"""The web chat's aiohttp application: the page, its three files, the conversation API, the
security headers on every response, no access log, and the purge of idle conversations.

Served behind a reverse proxy that terminates TLS; every URL in the page is relative, so the
chat may live under a path (https://www.gemeente.nl/praten/). The server never reads the
client's address or user agent, nor X-Forwarded-For.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Middleware

from bot.runner import Runner
from bot.transports.web import headers
from bot.transports.web.api import Chats
from bot.transports.web.options import STATIC, WebOptions
from bot.transports.web.page import Pages

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024  # bytes of one request: a message of 4,096 characters fits many times
PURGE_EVERY = 60.0  # seconds between purges of idle conversations
FILES = {"chat.js": "text/javascript", "chat.css": "text/css"}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PAGE_KEY = web.AppKey("pages", Pages)
CHATS_KEY = web.AppKey("chats", Chats)


def application(runner: Runner, options: WebOptions) -> web.Application:
    """The app: GET / (the page), static/*, favicon, POST api/start|say|erase."""
    pages = Pages(runner, options)
    chats = Chats(runner, options, pages)
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_calm_errors(chats)])
    app[PAGE_KEY], app[CHATS_KEY] = pages, chats
    headers.install(app, options.frame_ancestors)
    files = {name: (STATIC / name).read_bytes() for name in FILES}

    async def page(request: web.Request) -> web.Response:
        lang = pages.language(request.query.get("lang"), request.headers.get("Accept-Language"))
        embedded = request.query.get("embed") == "1"
        return web.Response(text=pages.html(lang, embedded), content_type="text/html")

    async def static(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in files:
            raise web.HTTPNotFound()
        return web.Response(body=files[name], content_type=FILES[name], charset="utf-8")

    async def favicon(request: web.Request) -> web.Response:
        return web.Response(body=options.favicon, content_type=options.favicon_type)

    app.router.add_get("/", page)
    app.router.add_get("/static/{name}", static)
    app.router.add_get("/favicon", favicon)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_post("/api/start", chats.start)
    app.router.add_post("/api/say", chats.say)
    app.router.add_post("/api/erase", chats.erase)
    return app


def _calm_errors(chats: Chats) -> Middleware:
    """API errors as JSON with the 112 line (the page shows them); logged by type only."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        api = request.path.startswith("/api/")
        try:
            return await handler(request)
        except web.HTTPException as exc:
            if not api or exc.status < 400:
                raise
            return chats.failed(None, exc.status)
        except Exception as exc:  # never a traceback that could hold what a resident wrote
            log.error("web request failed: %s", type(exc).__name__)
            chats.runner.metrics.inc("web_errors")
            if api:
                return chats.failed(None, 500)
            raise web.HTTPInternalServerError() from None

    return middleware


@dataclass
class Serving:
    """A running web chat (for `vrede web`, the tests and the benchmark)."""

    runner: web.AppRunner
    site: web.TCPSite
    purging: asyncio.Task[None]
    port: int

    async def stop(self) -> None:
        """Stop the purge loop and the server."""
        self.purging.cancel()
        await asyncio.gather(self.purging, return_exceptions=True)
        await self.runner.cleanup()


async def serve(runner: Runner, options: WebOptions, host: str, port: int) -> Serving:
    """Listen on host:port (port 0: any free port), without an access log."""
    app = application(runner, options)
    web_runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await web_runner.setup()
    site = web.TCPSite(web_runner, host, port)
    await site.start()
    bound = _bound_port(web_runner, port)
    purging = asyncio.ensure_future(_purge(runner, app[CHATS_KEY], options.ttl))
    return Serving(web_runner, site, purging, bound)


def _bound_port(web_runner: web.AppRunner, asked: int) -> int:
    for address in web_runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return asked


async def _purge(runner: Runner, chats: Chats, ttl: int) -> None:
    """Forget expired conversations (the store's TTL is the web's idle time) and old buckets."""
    while True:
        try:
            dropped = await runner.purge()
            chats.limits.forget_idle(ttl)
            if dropped:
                log.info("web: forgot %d idle conversations", dropped)
        except Exception as exc:
            log.error("web: purging failed: %s", type(exc).__name__)
        await asyncio.sleep(PURGE_EVERY)
