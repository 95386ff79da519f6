"""One leader among the bot's processes for what only one may do at a time (polling Telegram,
syncing Matrix): it holds a lease in shared storage and renews it; a standby tries to take it
every `retry` seconds, so it leads within `ttl + retry` seconds of the leader's death.

When the store cannot be reached, a leader keeps leading (Telegram refuses a second poller with
409 Conflict anyway, and answering beats silence) and a standby stays standby.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from bot.metrics import Metrics
from bot.store.coordination import Lease

log = logging.getLogger(__name__)
Step = Callable[[], Coroutine[Any, Any, None]]


class Leader:
    """Runs `lead()` while this process holds the lease, and `step_down()` when it loses it."""

    def __init__(
        self,
        lease: Lease,
        name: str,
        lead: Step,
        step_down: Step,
        metrics: Metrics,
        ttl: float = 3.0,
        retry: float = 0.5,
        orphaned: float | None = None,
    ) -> None:
        self.lease, self.name, self.ttl, self.retry = lease, name, ttl, retry
        # Lead anyway once the store has been unreachable this long (None: never). Right for
        # polling Telegram, which refuses a second poller by itself; wrong for Matrix, where
        # two processes would write one device's keys.
        self.orphaned = orphaned
        self._unreachable_since: float | None = None
        self._lead, self._step_down, self.metrics = lead, step_down, metrics
        self.owner = secrets.token_hex(8)
        self.leading = False
        self._task: asyncio.Task[None] | None = None
        self._starting: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin: lead at once if the lease is free, else stand by."""
        self._task = asyncio.create_task(self._run(), name=f"leader-{self.name}")

    async def _run(self) -> None:
        while True:
            try:
                await self._turn()
                self._unreachable_since = None
            except Exception as exc:  # the store is unreachable: keep the current role
                log.warning("the %s lease could not be checked: %s", self.name, type(exc).__name__)
                self._orphaned()
            await asyncio.sleep(self.retry if not self.leading else self.ttl / 3)

    async def _turn(self) -> None:
        if not self.leading:
            if await self.lease.acquire(self.name, self.owner, self.ttl):
                self.leading = True
                self.metrics.inc("leader_taken")
                log.info("leading %s", self.name)
                # Starting (a login, say) may take longer than the lease: it runs beside the
                # renewals rather than before them.
                self._starting = asyncio.create_task(self._lead())
        elif self._failed():  # could not start (a login refused, say): let another try
            self.leading = False
            await self._stop_leading()
            await self.lease.release(self.name, self.owner)
        elif not await self.lease.renew(self.name, self.owner, self.ttl):
            self.leading = False
            self.metrics.inc("leader_lost")
            log.warning("lost the %s lease: standing by", self.name)
            await self._stop_leading()

    def _orphaned(self) -> None:
        """A standby that cannot reach the store for `orphaned` seconds leads without a lease
        (answering beats silence); once the store is back, the renewal fails and it stands by
        again unless the lease is free."""
        now = asyncio.get_running_loop().time()
        since = self._unreachable_since = self._unreachable_since or now
        if self.leading or self.orphaned is None or now - since < self.orphaned:
            return
        self.leading = True
        self.metrics.inc("leader_without_store")
        log.warning("the store is unreachable: leading %s without the lease", self.name)
        self._starting = asyncio.create_task(self._lead())

    def _failed(self) -> bool:
        task = self._starting
        if task is None or not task.done() or task.cancelled() or task.exception() is None:
            return False
        self.metrics.inc("leader_start_failed")
        log.error("leading %s failed: %s", self.name, type(task.exception()).__name__)
        return True

    async def _stop_leading(self) -> None:
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
        if self._starting is not None:
            await asyncio.gather(self._starting, return_exceptions=True)
        self._starting = None
        await self._step_down()

    async def stop(self) -> None:
        """Stop; a leader steps down and frees the lease at once for a standby."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.leading:
            self.leading = False
            await self._stop_leading()
            try:
                await self.lease.release(self.name, self.owner)
            except Exception as exc:
                log.warning("releasing the %s lease failed: %s", self.name, type(exc).__name__)
