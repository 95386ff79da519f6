"""Keeping ids, tokens and message text out of the logs, for every transport: one filter on
every handler, and the chatty libraries (which log URLs with the bot token, event contents and
SQL parameters at DEBUG or INFO) kept at WARNING whatever VREDE_LOG_LEVEL says.

What matrix-nio and its store (peewee) log is worse than ids in a known shape: device ids,
identity keys, session ids and whole decrypted to-device payloads (in jsonschema's error
text). Their records keep only plain words: the first line, no quoted strings, no braces,
and no token that is not an ordinary word (so "from <id> <x>" where nio wrote a user id and a
device id), at every level, whatever the library puts in them."""

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
WORDS_ONLY = ("nio", "peewee")  # libraries whose messages hold keys, device ids and payloads
WORD = re.compile(r"[A-Za-z][a-z]{0,24}\d{0,5}|\d{1,5}|<id>")
PAYLOAD = re.compile(r"\{.*\}|\[.*\]|'[^']*'|\"[^\"]*\"")


def words_only(message: str) -> str:
    """The ordinary words of a message; every other token becomes '<x>'."""
    first = SCRUB.sub("<id>", PAYLOAD.sub(" <x> ", message.split("\n", 1)[0]))
    out = []
    for token in first.split():
        core = token.strip(".,:;()!?")
        out.append(token if not core or WORD.fullmatch(core) else token.replace(core, "<x>"))
    return " ".join(out)


class ScrubIds(logging.Filter):
    """Replaces anything shaped like an id or a token in a log record with '<id>'."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        message = record.getMessage()
        if record.name.split(".", 1)[0] in WORDS_ONLY:
            scrubbed = words_only(message)
            if record.exc_info and record.exc_info[0] is not None:
                scrubbed += f" ({record.exc_info[0].__name__})"  # never the exception's text
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        else:
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
