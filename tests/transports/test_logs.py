"""One log scrubber for every transport."""

from __future__ import annotations

import logging

import pytest

from bot.transports.logs import ScrubIds


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("@anna:example.org", "a Matrix user id"),
        ("!abcDEF:example.org", "a room id with its server"),
        ("!Yz0abcdefghijkLMNOPqrstu", "a room version 12 room id (no server part)"),
        ("$Yz0-abcdefghijk", "an event id"),
        ("#help:example.org", "an alias"),
        ("123456789", "a Telegram chat id"),
        ("-1001234567890", "a Telegram group id"),
        ("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", "a bot token"),
    ],
)
def test_ids_and_tokens_are_scrubbed(raw: str, why: str) -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "failed for %s now", None, None)
    record.args = (raw,)
    ScrubIds().filter(record)
    assert record.getMessage() == "failed for <id> now", why


def test_ordinary_counts_and_kinds_stay_readable() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "purged %d sessions and %d ids: %s", None, None
    )
    record.args = (12, 3400, "TimeoutError")
    ScrubIds().filter(record)
    assert record.getMessage() == "purged 12 sessions and 3400 ids: TimeoutError"
