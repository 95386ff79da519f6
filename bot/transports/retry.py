"""One backoff schedule for every retry a transport makes (sending, polling, syncing).

After the n-th failure in a row wait BASE * 2**(n-1) seconds, never more than CAP: 0.5, 1, 2,
4 ... 30. A server that names its own wait (Telegram's retry_after, Matrix's retry_after_ms)
gets at least that. Tests pass a smaller base to run fast.
"""

from __future__ import annotations

BASE = 0.5
CAP = 30.0


def backoff(failures: int, base: float = BASE, at_least: float = 0.0) -> float:
    """Seconds to wait after `failures` failures in a row (1 for the first)."""
    return max(at_least, min(CAP, base * 2.0 ** max(0, failures - 1)))
