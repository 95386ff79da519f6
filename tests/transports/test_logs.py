"""One log scrubber for every transport."""

from __future__ import annotations

import logging
import sys

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


@pytest.mark.parametrize(
    ("said", "logged", "why"),
    [
        (
            "Received a undecryptable Megolm event from a device with no Olm sessions: "
            "@anna:example.org QWERTYUIOP",
            "Received a undecryptable Megolm event from a device with no Olm sessions: <id> <x>",
            "nio's warning names the user and the device",
        ),
        (
            "Error validating event: {'type': 'm.dummy', 'sender': '@anna:example.org'} is not "
            "valid under any of the given schemas\n\nFailed validating 'oneOf' in schema",
            "Error validating event: <x> is not valid under any of the given schemas",
            "jsonschema's text carries the whole decrypted payload, over several lines",
        ),
        (
            "Received Olm event of type: m.dummy from @anna:example.org "
            "7Jfd8sj3kdJD83jdk/3jdj3kdjDJ38DJ3jdk3jdkDJ",
            "Received Olm event of type: <x> from <id> <x>",
            "an identity key",
        ),
        (
            "no session found with session id Xk3jd92kdjs+dk3/dk for room !Yz0abcdefghijkLMNOPq",
            "no session found with session id <x> for room <id>",
            "a session id and a room version 12 room id",
        ),
        ("Could only import 3 out of 5 keys", "Could only import 3 out of 5 keys", "counts"),
    ],
)
def test_crypto_libraries_keep_only_plain_words(said: str, logged: str, why: str) -> None:
    record = logging.LogRecord("nio.crypto.log", logging.WARNING, __file__, 1, said, None, None)
    ScrubIds().filter(record)
    assert record.getMessage() == logged, why


def test_a_crypto_librarys_exception_text_is_dropped_for_its_type() -> None:
    try:
        raise ValueError("@anna:example.org QWERTYUIOP")
    except ValueError:
        record = logging.LogRecord(
            "peewee", logging.ERROR, __file__, 1, "failed", None, sys.exc_info()
        )
    ScrubIds().filter(record)
    assert record.getMessage() == "failed (ValueError)" and record.exc_info is None
