"""The transports' fixtures, shared by their own tests and the conformance suite: the fake
Telegram Bot API with the real bot polling it, and one real Synapse per run with the real bot
and real resident clients."""

from tests.transports.matrix.fixtures import (
    danger_phrase,
    entry_code,
    matrix_bot,
    only_text,
    resident,
    screen,
    synapse,
)
from tests.transports.telegram.fixtures import db_path, fake, make_tg_runner, tg

__all__ = [
    "danger_phrase",
    "db_path",
    "entry_code",
    "fake",
    "make_tg_runner",
    "matrix_bot",
    "only_text",
    "resident",
    "screen",
    "synapse",
    "tg",
]
