"""Keeping Matrix ids and message text out of the logs, also those written by matrix-nio."""

from __future__ import annotations

import logging
import re

# User, room, alias and event ids: @name:server, !opaque:server, #alias:server, $opaque.
MATRIX_ID = re.compile(
    r"[@!#][^\s:'\"]+:[A-Za-z0-9.\-]+(?::\d+)?|\$[A-Za-z0-9+/=_\-]{8,}(?::[\w.\-]+)?"
)
# nio and its store (peewee) log event contents and SQL parameters at DEBUG: never let them.
QUIET = ("nio", "peewee")


class ScrubIds(logging.Filter):
    """Replaces anything shaped like a Matrix id in a log record with '<id>'."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        message = record.getMessage()
        scrubbed = MATRIX_ID.sub("<id>", message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


def install(root: logging.Logger | None = None) -> None:
    """Scrub ids in every handler of the root logger and keep nio's chatter at WARNING or up."""
    root = root or logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, ScrubIds) for f in handler.filters):
            handler.addFilter(ScrubIds())
    for name in QUIET:
        logger = logging.getLogger(name)
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
