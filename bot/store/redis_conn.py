"""The connection to Valkey/Redis: redis-py's asyncio client, one pool per process.

Short timeouts on purpose: when Redis is gone, a turn should fail within seconds (and the
resident get the calm "try again" line with 112) rather than hang. The URL may carry a password
(redis://:password@host:6379/0) or TLS (rediss://); it is never logged.
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, Redis

TIMEOUT = 3.0  # seconds for a connection, an answer, or a free connection in the pool
POOL = 128  # connections per process; a rush waits for one rather than failing


def connect(url: str, timeout: float = TIMEOUT) -> Redis:
    """A client for `url`; it connects on first use."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=POOL,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=15,
    )
    return Redis.from_pool(pool)  # closing the client closes the pool


def text(value: bytes | str) -> str:
    """A value read back as text (the client returns bytes)."""
    return value.decode() if isinstance(value, bytes) else value
