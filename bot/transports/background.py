"""Jobs a transport runs after a reply (a confirmation that deletes itself, leaving a room
after an erase): one place that keeps them, logs only the kind of a failure, and waits for or
cancels them at a stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[None]]


class Background:
    """A set of running jobs. A failing job is logged by type only (its text could carry
    what a resident wrote) and counted through `on_error`."""

    def __init__(self, on_error: Callable[[BaseException], None] | None = None) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._on_error = on_error

    def later(self, seconds: float, job: Job) -> None:
        """Run `job` after `seconds` (0: as soon as possible)."""
        self.spawn(lambda: self._after(seconds, job))

    def spawn(self, job: Job) -> None:
        """Run `job` now, beside the current turn."""
        task = asyncio.ensure_future(self._guarded(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait(self) -> None:
        """Let every job finish (a clean stop)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def cancel(self) -> None:
        """Stop every job now."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def __len__(self) -> int:
        return len(self._tasks)

    async def _after(self, seconds: float, job: Job) -> None:
        await asyncio.sleep(seconds)
        await job()

    async def _guarded(self, job: Job) -> None:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("a background job failed: %s", type(exc).__name__)
            if self._on_error is not None:
                self._on_error(exc)
