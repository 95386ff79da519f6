"""One backoff schedule for every retry a transport makes (sending, polling, syncing), and
the connection at start, retried on that schedule and then given up with one clear line.

After the n-th failure in a row wait BASE * 2**(n-1) seconds, never more than CAP: 0.5, 1, 2,
4 ... 30. A server that names its own wait (Telegram's retry_after, Matrix's retry_after_ms)
gets at least that. Tests pass a smaller base to run fast.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)

BASE = 0.5
CAP = 30.0


def backoff(failures: int, base: float = BASE, at_least: float = 0.0) -> float:
    """Seconds to wait after `failures` failures in a row (1 for the first)."""
    return max(at_least, min(CAP, base * 2.0 ** max(0, failures - 1)))


START_TRIES = 6  # 0.5 + 1 + 2 + 4 + 8 seconds of waiting: about 16 s before giving up
START_BASE = BASE  # tests make it small


class StartFailed(Exception):
    """A transport could not connect at start: one line for the operator, no traceback."""


async def connect(
    attempt: Callable[[], Awaitable[T]],
    transient: Callable[[BaseException], bool],
    what: str,
    tries: int | None = None,
    base: float | None = None,
) -> T:
    """Run `attempt` until it succeeds. A transient error (the network, a timeout) is retried
    with backoff and logged once; after `tries` attempts StartFailed says so in one line.
    Any other error (a refused token) is raised at once: retrying cannot help."""
    tries = tries or START_TRIES
    base = START_BASE if base is None else base
    for n in range(1, tries + 1):
        try:
            result = await attempt()
        except Exception as exc:
            if not transient(exc):
                raise
            if n == tries:
                raise StartFailed(
                    f"cannot reach {what} ({type(exc).__name__}, {tries} tries): "
                    "check the address and the network"
                ) from None
            if n == 1:
                log.warning("cannot reach %s (%s); retrying", what, type(exc).__name__)
            await asyncio.sleep(backoff(n, base))
            continue
        if n > 1:
            log.info("reached %s after %d tries", what, n)
        return result
    raise AssertionError("unreachable")  # the loop returns or raises
