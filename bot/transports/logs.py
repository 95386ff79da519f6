"""Keeping ids, tokens and message text out of the logs, for every transport: one filter on
every handler, and the chatty libraries (which log URLs with the bot token, event contents and
SQL parameters at DEBUG or INFO) kept at WARNING whatever VREDE_LOG_LEVEL says."""

from __future__ import annotations

import logging
import re

SCRUB = re.compile(
    "|".join(
        (
            r"\b\d{5,}:[A-Za-z0-9_\-]{30,}",  # a Telegram bot token
            # Matrix user, room, alias and event ids: @name:server, !opaque:server, #alias:server,
            # $opaque; room version 12 room ids have no server part (!opaque).
            r"[@!#][^\s:'\"]+:[A-Za-z0-9.\-]+(?::\d+)?",
            r"![A-Za-z0-9+/=_\-]{12,}",
            r"\$[A-Za-z0-9+/=_\-]{8,}(?::[\w.\-]+)?",
            r"(?<![\w.])-?\d{6,}(?![\w.])",  # a chat or user id (Telegram: 6 to 13 digits)
        )
    )
)
QUIET = ("nio", "peewee", "telegram", "httpx", "httpcore", "aiohttp.access")


class ScrubIds(logging.Filter):
    """Replaces anything shaped like an id or a token in a log record with '<id>'."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        message = record.getMessage()
        scrubbed = SCRUB.sub("<id>", message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def quiet_libraries() -> None:
    """Keep library logs at WARNING or up."""
    for name in QUIET:
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))


def install(root: logging.Logger | None = None) -> None:
    """Scrub every handler of the root logger, and quiet the chatty libraries."""
    root = root or logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, ScrubIds) for f in handler.filters):
            handler.addFilter(ScrubIds())
    quiet_libraries()
