"""The Matrix bot: the sync loop (rooms.py decides per room, conversations.py answers).

Theory of operation
- A resident invites the bot to a direct chat. The bot joins only to look: a room with more
  than one other person gets one neutral line and the bot leaves. Otherwise it opens a fresh
  room of its own with the resident (encrypted if theirs was), where it holds the power to
  redact every message, and leaves the original room. The resident's first message there (an
  entry code, a language) is used for the greeting in the new room.
- In its own rooms, every resident event is answered once: handled events are remembered under
  an HMAC of their id, replies carry transaction ids derived from it, and the sync token is saved
  only after a whole batch was handled. A restart of the bot or the homeserver replays at most
  one batch, and the replay is recognised.
- Erase redacts every message event of the room, both sides, forgets the session, and leaves.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Awaitable, Callable

import aiohttp
from nio import AsyncClient, SyncResponse

from bot.runner import Runner
from bot.store.base import SyncState, UpdateLog
from bot.transports.background import Background
from bot.transports.matrix import crosssign
from bot.transports.matrix.connect import LoginFailed, MatrixConfig
from bot.transports.matrix.conversations import PLATFORM, Conversations
from bot.transports.matrix.forget import forget_departed
from bot.transports.matrix.homeserver import Homeserver, transient
from bot.transports.matrix.rooms import Rooms
from bot.transports.retry import backoff

log = logging.getLogger(__name__)
__all__ = ["PLATFORM", "MatrixBot"]
PURGE_EVERY = 600  # seconds between purges of expired sessions (the sync returns every 30 s)


class MatrixBot:
    """One bot account on one homeserver, answering residents through the runner."""

    def __init__(
        self,
        client: AsyncClient,
        runner: Runner,
        state: SyncState,
        handled: UpdateLog,
        cfg: MatrixConfig,
    ) -> None:
        self.client, self.runner = client, runner
        self.state, self.handled, self.cfg = state, handled, cfg
        self.hs = Homeserver(client, runner.metrics)
        self.later = Background(lambda exc: runner.metrics.inc("matrix_errors"))
        self.talk = Conversations(client, runner, self.hs, state, handled, cfg, self.later)
        self.rooms = Rooms(client, runner, self.hs, state, cfg, self.talk)
        self.batches = 0  # handled sync batches, for tests that wait for the bot to settle
        self.signed = not cfg.cross_signing  # the device is cross-signed (or need not be)

    async def cross_sign(self) -> None:
        """Sign the bot's device with its account's keys, if not done yet (crosssign.py)."""
        if not self.signed:
            self.signed = await crosssign.ensure(self.client, self.cfg)

    # ------------------------------------------------------------------ the loop
    async def run(self) -> None:
        """Sync and answer until cancelled."""
        since = await self.state.token()
        first, failures, purged = True, 0, 0.0
        # The live relay may write to any of the bot's rooms, with numbered choices.
        self.runner.attach(PLATFORM, self.talk.sender, numbered=True)
        while True:
            resp = await self._sync(since, first)
            if not isinstance(resp, SyncResponse):
                failures += 1
                await self._sync_failed(resp, failures)
                continue
            await self._guarded(self._housekeeping)
            # On the very first start there is no token: old messages are not answered.
            await self._batch(resp, replay_ok=since is not None or not first)
            since, first, failures = resp.next_batch, False, 0
            await self.state.save_token(since)
            forget_departed(self.client, thorough=False)  # what a late key query brought back
            self.batches += 1
            if time.monotonic() - purged > PURGE_EVERY:
                purged = time.monotonic()
                await self._hourly()

    async def _hourly(self) -> None:
        """Expired conversations are left and forgotten, also by the encryption store."""
        await self.runner.purge()
        await self._guarded(self.rooms.expire)
        forget_departed(self.client)  # also what an earlier run left behind
        await self.cross_sign()  # a homeserver that refused at start may take it now

    async def _sync(self, since: str | None, first: bool) -> object:
        """One sync; errors nio does not retry itself (a proxy's HTML 502, ...) come back too."""
        try:
            return await self.client.sync(
                timeout=0 if first else self._sync_timeout(),
                since=since,
                full_state=True if first else None,
            )
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            return exc

    def _sync_timeout(self) -> int:
        """The long-poll time in ms: shorter while a room waits for its first message."""
        dues = [*self.rooms.dues(), *self.talk.dues()]
        if not dues:
            return self.cfg.sync_timeout_ms
        wait = (min(dues) - time.monotonic()) * 1000 + 50
        return max(0, min(self.cfg.sync_timeout_ms, int(wait)))

    async def _sync_failed(self, resp: object, failures: int) -> None:
        if getattr(resp, "status_code", "") == "M_UNKNOWN_TOKEN":
            raise LoginFailed("the homeserver no longer accepts the bot's login")
        log.warning("sync failed (%s), retrying", "transient" if transient(resp) else "error")
        self.runner.metrics.inc("matrix_sync_errors")
        asked = getattr(resp, "retry_after_ms", 0) / 1000 or 0.0
        await asyncio.sleep(backoff(failures, at_least=asked))

    async def _housekeeping(self) -> None:
        """What nio's sync_forever does between syncs: keys and to-device messages."""
        c = self.client
        forget_departed(c, thorough=False)  # no key query for someone the bot no longer meets
        await c.send_to_device_messages()
        if c.should_upload_keys:
            await c.keys_upload()
        if c.should_query_keys:
            await c.keys_query()
        if c.should_claim_keys:
            await c.keys_claim(c.get_users_for_key_claiming())

    async def _batch(self, resp: SyncResponse, replay_ok: bool) -> None:
        # Factories, not coroutines: if the batch is cancelled (stop, restart) before a job
        # starts, no coroutine object exists that would be "never awaited".
        jobs: list[Callable[[], Awaitable[None]]] = [
            functools.partial(self.rooms.invited, r) for r in resp.rooms.invite
        ]
        if replay_ok:
            jobs += [
                functools.partial(self.rooms.joined, r, info.timeline.events)
                for r, info in resp.rooms.join.items()
            ]
            jobs += [self.talk.unpark, self.rooms.adopt_due]
        await asyncio.gather(*(self._guarded(job) for job in jobs))

    async def _guarded(self, job: Callable[[], Awaitable[None]]) -> None:
        """One room's trouble must not stop the others; the log names only the kind of error."""
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.error("handling a room failed: %s", type(exc).__name__)
            self.runner.metrics.inc("matrix_errors")

    async def stop(self) -> None:
        """Stop relaying; wait for scheduled clean-ups (erase notes, leaving rooms)."""
        await self.runner.detach(PLATFORM)
        await self.later.wait()

    def _now(self) -> int:
        return self.runner.timestamp()
