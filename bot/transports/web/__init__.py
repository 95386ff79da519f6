"""The web chat: `vrede web`, the same bot on a municipality's website, leaving as little trace
as a web page can (README, "The web chat")."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from typing import TYPE_CHECKING

from bot.transports import logs
from bot.transports.web.options import BadOption, WebOptions
from bot.transports.web.server import serve

if TYPE_CHECKING:
    from bot.app import App

__all__ = ["main", "options_for"]
log = logging.getLogger(__name__)
DEFAULT_LISTEN = "127.0.0.1:8081"


def options_for(app: App) -> WebOptions:
    """The web settings of the app, checked (BadOption says which one is wrong)."""
    s = app.settings
    return WebOptions.make(
        s.web_title, s.web_exit_url, s.web_frame_ancestors, s.web_favicon, s.web_ttl_minutes
    )


def main(app: App, args: argparse.Namespace) -> int:
    """Serve the chat on --listen HOST:PORT until SIGINT or SIGTERM."""
    logs.install()
    try:
        options = options_for(app)
        host, port = _listen(getattr(args, "listen", None))
    except (BadOption, ValueError) as exc:
        print(f"vrede web: {exc}", file=sys.stderr)
        return 2
    asyncio.run(_run(app, options, host, port))
    return 0


async def _run(app: App, options: WebOptions, host: str, port: int) -> None:
    serving = await serve(app.runner, options, host, port)
    log.info("web chat on http://%s:%d/", host, serving.port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await serving.stop()
        await app.stores.close()


def _listen(value: str | None) -> tuple[str, int]:
    """HOST:PORT; 127.0.0.1:8081 (behind a reverse proxy) by default."""
    host, _, port = (value or DEFAULT_LISTEN).rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)
