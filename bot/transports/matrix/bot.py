"""The Matrix bot: sync, open a private room per resident, answer through the runner, erase.

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
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import aiohttp
from nio import AsyncClient, MegolmEvent, RoomMemberEvent, SyncResponse

from bot.engine import inputs as i
from bot.engine.language import guess
from bot.engine.replies import Erase, Handoff, Message, Reply
from bot.i18n.catalogs import Catalogs
from bot.runner import Deliver, Runner
from bot.store.base import OwnRoom, SyncState, UpdateLog
from bot.transports.matrix.connect import LoginFailed, MatrixConfig
from bot.transports.matrix.homeserver import Homeserver, transient
from bot.transports.matrix.render import Incoming, classify, content, entry_code
from bot.transports.retry import backoff

log = logging.getLogger(__name__)
PLATFORM = "matrix"
PURGE_EVERY = 3600  # seconds between purges of expired sessions


@dataclass
class Parked:
    """An encrypted event whose room key has not arrived yet."""

    room_id: str
    key: str
    event: MegolmEvent
    since: float


class MatrixBot:
    """One bot account on one homeserver, answering residents through the runner."""

    def __init__(
        self,
        client: AsyncClient,
        runner: Runner,
        catalogs: Catalogs,
        state: SyncState,
        handled: UpdateLog,
        cfg: MatrixConfig,
    ) -> None:
        self.client, self.runner, self.catalogs = client, runner, catalogs
        self.state, self.handled, self.cfg = state, handled, cfg
        self.hs = Homeserver(client, runner.metrics)
        self.me = str(client.user_id)
        self._parked: dict[str, Parked] = {}
        self._later: set[asyncio.Task[None]] = set()
        self._claimed: set[str] = set()  # foreign rooms already handled (ids in memory only)
        self._waiting: dict[str, float] = {}  # foreign room -> when to stop waiting
        self._sealed: dict[str, MegolmEvent] = {}  # foreign room -> first message, still locked
        self.batches = 0  # handled sync batches, for tests that wait for the bot to settle

    # ------------------------------------------------------------------ the loop
    async def run(self) -> None:
        """Sync and answer until cancelled."""
        since = await self.state.token()
        first, failures, purged = True, 0, 0.0
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
            self.batches += 1
            if time.monotonic() - purged > PURGE_EVERY:
                purged = time.monotonic()
                await self.runner.purge()

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
        dues = [*self._waiting.values()]
        dues += [p.since + self.cfg.undecryptable_seconds for p in self._parked.values()]
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
            functools.partial(self._invited, r) for r in resp.rooms.invite
        ]
        if replay_ok:
            jobs += [
                functools.partial(self._joined, r, info.timeline.events)
                for r, info in resp.rooms.join.items()
            ]
            jobs += [self._unpark, self._adopt_due]
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
        """Wait for scheduled clean-ups (erase notes, leaving rooms) to finish."""
        if self._later:
            await asyncio.gather(*self._later, return_exceptions=True)

    # ------------------------------------------------------------------ rooms
    async def _invited(self, room_id: str) -> None:
        self.runner.metrics.inc("matrix_invites")
        await self.hs.join(room_id)

    async def _joined(self, room_id: str, events: list[Any]) -> None:
        room = self.client.rooms.get(room_id)
        if room is None:
            return
        key = self.runner.key(PLATFORM, room_id)
        own = await self.state.room(key)
        others = [u for u in room.users if u != self.me]
        if own is None:
            await self._foreign(room_id, others, events)
        elif len(others) > 1:
            await self._one_to_one_only(room_id, key)
        elif not others:
            await self._close(room_id, key, erase=True)  # the resident left or declined
        else:
            await self._own_room(room_id, key, own, events)

    async def _own_room(self, room_id: str, key: str, own: OwnRoom, events: list[Any]) -> None:
        if not own.greeted:
            start = i.Start(own.code, own.lang)
            await self.runner.handle(
                PLATFORM, room_id, start, self._deliverer(room_id, key, f"g{key}")
            )
            await self.state.greeted(key)
        for event in events:
            if getattr(event, "sender", self.me) != self.me:
                await self._event(room_id, key, event)

    async def _foreign(self, room_id: str, others: list[str], events: list[Any]) -> None:
        """Someone else's room: leave a group; move a one-to-one chat into a room of our own."""
        if len(others) != 1:
            if self._claim(room_id):
                await self._one_to_one_only(room_id, None)
            return
        first = next((t for e in events if (t := _text_from(e, others[0])) is not None), None)
        if first is not None:
            if self._claim(room_id):
                await self._adopt(room_id, others[0], first)
        else:
            sealed = [e for e in events if isinstance(e, MegolmEvent) and e.sender == others[0]]
            if sealed:
                self._sealed.setdefault(room_id, sealed[0])
            # Clients often send the first message (maybe an entry code) just after the invite:
            # wait a moment for it. The sync loop wakes up in time (see _sync_timeout).
            self._waiting.setdefault(room_id, time.monotonic() + self.cfg.first_message_seconds)

    async def _adopt_due(self) -> None:
        """Adopt waiting rooms whose first message became readable, or whose wait is over."""
        now = time.monotonic()
        for room_id, due in list(self._waiting.items()):
            room = self.client.rooms.get(room_id)
            others = [u for u in room.users if u != self.me] if room is not None else []
            first = self._unsealed(room_id)
            if (first is not None or due <= now) and self._claim(room_id) and len(others) == 1:
                await self._adopt(room_id, others[0], first or "")

    def _unsealed(self, room_id: str) -> str | None:
        """The text of an encrypted first message, once its room key has arrived."""
        sealed = self._sealed.get(room_id)
        try:
            event = self.client.decrypt_event(sealed) if sealed is not None else None
        except Exception:  # nio raises EncryptionError and friends while the key is missing
            return None
        return _text_from(event, sealed.sender) if sealed is not None else None

    def _claim(self, room_id: str) -> bool:
        """True for the first caller only: each foreign room is handled once."""
        if room_id in self._claimed:
            return False
        self._claimed.add(room_id)
        self._waiting.pop(room_id, None)
        self._sealed.pop(room_id, None)
        return True

    async def _adopt(self, room_id: str, resident: str, first: str) -> None:
        """Open a room of our own with the resident, greet there later, leave theirs."""
        code = entry_code(first, self.runner.entry_codes)
        lang = None if code else guess(first, self.catalogs.languages, self.catalogs.native_name)
        encrypted = bool(self.client.rooms[room_id].encrypted)
        new_room = await self.hs.create(resident, encrypted)
        if new_room is not None:
            await self.state.add_room(self.runner.key(PLATFORM, new_room), code, lang)
            self.runner.metrics.inc("matrix_rooms_opened")
        # Where the bot may, it removes the resident's words from the room it leaves behind.
        await self.hs.redact_all(room_id, frozenset({resident}))
        await self.hs.leave(room_id)

    async def _one_to_one_only(self, room_id: str, key: str | None) -> None:
        """One neutral line, then leave: conversations stay one to one."""
        self.runner.metrics.inc("matrix_group_leaves")
        msg = self.runner.notice(await self.runner.language(PLATFORM, room_id), "private_only")
        txn = f"group{key or self.runner.key(PLATFORM, room_id)}"
        await self.hs.send(room_id, content(msg), txn)
        await self._close(room_id, key, erase=False)

    async def _close(self, room_id: str, key: str | None, erase: bool) -> None:
        """Forget the conversation and leave; with `erase`, redact the room first."""
        if erase:
            await self.hs.redact_all(room_id)
        if key is not None:
            await self.runner.erase(PLATFORM, room_id)
            await self.state.drop_room(key)
        await self.hs.leave(room_id)

    # ------------------------------------------------------------------ events
    async def _event(self, room_id: str, key: str, event: Any) -> None:
        if isinstance(event, MegolmEvent):
            self._park(room_id, key, event)
            return
        incoming = classify(getattr(event, "source", {}) or {})
        if incoming.kind == "ignore" or isinstance(event, RoomMemberEvent):
            return
        await self._once(room_id, key, str(event.event_id), incoming)

    async def _once(self, room_id: str, key: str, event_id: str, incoming: Incoming) -> None:
        """Answer an event unless it was answered before (a replay after a restart)."""
        ekey = self.runner.key("matrix-event", event_id)
        if await self.handled.seen([ekey]):
            self.runner.metrics.inc("matrix_replays_skipped")
            return
        inp, hint = self._input(incoming)
        deliver = self._deliverer(room_id, key, ekey)
        await self.runner.handle(PLATFORM, room_id, inp, deliver, numbered=True, guess=hint)
        await self.handled.done(ekey, self._now())

    def _input(self, incoming: Incoming) -> tuple[i.Input, str | None]:
        """The engine input for an event, and the language its text seems to be in."""
        if incoming.kind == "unsupported":
            return i.Unsupported(incoming.text, incoming.caption), None
        if incoming.kind == "edit":
            return i.Edited(incoming.text), None
        text = incoming.text
        hint = guess(text, self.catalogs.languages, self.catalogs.native_name)
        code = entry_code(text, self.runner.entry_codes)
        return (i.Start(code) if code is not None else i.Text(text)), hint

    # ------------------------------------------------------------------ replies
    def _deliverer(self, room_id: str, key: str, txn_base: str) -> Deliver:
        """Send replies in order (urgent first); erase redacts the room and leaves afterwards."""
        count = 0

        async def deliver(replies: tuple[Reply, ...]) -> None:
            nonlocal count
            erased = False
            for reply in sorted(replies, key=lambda r: not (isinstance(r, Message) and r.urgent)):
                if isinstance(reply, Erase):
                    erased = True
                    await self.hs.redact_all(room_id)
                elif isinstance(reply, Message):
                    event_id = await self.hs.send(room_id, content(reply), f"{txn_base}.{count}")
                    count += 1
                    self._shown_now(key, reply, room_id, event_id, erased)
                elif isinstance(reply, Handoff):
                    self.runner.metrics.inc("matrix_handoffs")
            if erased:
                self._later_do(self._after_erase(room_id, key))

        return deliver

    def _shown_now(
        self, key: str, msg: Message, room_id: str, event_id: str | None, erased: bool
    ) -> None:
        if msg.ephemeral and event_id is not None:
            self._later_do(self._vanish(room_id, event_id))

    async def _vanish(self, room_id: str, event_id: str) -> None:
        await asyncio.sleep(self.cfg.ephemeral_seconds)
        await self.hs.redact(room_id, event_id)

    async def _after_erase(self, room_id: str, key: str) -> None:
        # Stay until the erase note has vanished, so the resident sees that it worked.
        await asyncio.sleep(self.cfg.ephemeral_seconds + 0.5)
        await self.state.drop_room(key)
        await self.hs.leave(room_id)

    def _later_do(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(self._guarded(lambda: job))
        task.add_done_callback(lambda _: job.close())  # cancelled before it ran: no warning
        self._later.add(task)
        task.add_done_callback(self._later.discard)

    # ------------------------------------------------------------------ undecryptable events
    def _park(self, room_id: str, key: str, event: MegolmEvent) -> None:
        self.runner.metrics.inc("matrix_undecryptable")
        self._parked.setdefault(str(event.event_id), Parked(room_id, key, event, time.monotonic()))

    async def _unpark(self) -> None:
        """Retry parked events once their keys came; answer them as unreadable after a while."""
        for event_id, p in list(self._parked.items()):
            try:
                event: Any = self.client.decrypt_event(p.event)
            except Exception:  # nio raises EncryptionError and friends while the key is missing
                event = None
            if event is None and time.monotonic() - p.since < self.cfg.undecryptable_seconds:
                continue
            del self._parked[event_id]
            incoming = classify(event.source) if event is not None else Incoming("text", "")
            if incoming.kind != "ignore":
                await self._once(p.room_id, p.key, event_id, incoming)

    # ------------------------------------------------------------------ small helpers
    def _now(self) -> int:
        return self.runner.timestamp()


def _text_from(event: Any, sender: str) -> str | None:
    """The text of a message event by `sender`, or None."""
    if getattr(event, "sender", None) != sender:
        return None
    incoming = classify(getattr(event, "source", {}) or {})
    return incoming.text if incoming.kind == "text" else None
