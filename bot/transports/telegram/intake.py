"""Getting updates in: at least once from Telegram, on disk before they are confirmed, each
answered once, fairly.

Theory of operation. Telegram forgets an update once the bot confirms it (a getUpdates call
with a higher offset, or a 2xx answer to the webhook). Every new update is therefore first
written to the inbox on disk (transports/inbox.py: sealed with a key derived from the secret,
deleted the moment it is answered) and only then confirmed, so a crash loses nothing: at start
the intake reads that inbox back. Every update of a page is read for danger before any of the
page is started, and an acute-danger one never waits. At most `held` updates are kept in
memory; beyond that they wait on disk only (their id and chat in memory) and are read back when
a place frees up, so a backlog of any size is read, and read for danger, at Telegram's pace.

Fairness: one update per chat is handled at a time (its lane), at most `workers` ordinary ones
at once; and a chat with more than BACKLOG updates waiting has its extra ones collapsed: they
are answered once, together, with a calm line (system text `one_by_one`, with 112) instead of
queueing for minutes. A danger text is never collapsed.

An update whose answer could not be delivered (the Bot API down, a bug) is tried again after
RETRY_LATER seconds; if that fails too it is counted as undelivered, never as answered.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telegram import Update

from bot.locks import KeyedLocks
from bot.metrics import Metrics
from bot.transports.inbox import Inbox

log = logging.getLogger(__name__)
HANDLE_LIMIT = 300.0  # seconds one update may take once its turn has come (retries included)
RETRY_LATER = 60.0  # seconds before an update that could not be answered is tried once more
TRIES = 2  # so a reply that went out before a failure is repeated at most once
BACKLOG = 4  # updates of one chat waiting or being answered; more are collapsed
HELD = 10_000  # updates in memory at once; the rest wait on disk
RESUME_PAGE = 500  # updates read back from disk at a time after a restart
ALLOWED_UPDATES = (
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "channel_post",
)
PAGE = 100  # getUpdates returns at most this many
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def tag(update_id: int) -> str:
    """The update log id of a Telegram update."""
    return f"tg:{update_id}"


async def answer(
    inbox: Inbox,
    metrics: Metrics,
    update: Update,
    turn: Callable[[], Awaitable[Exception | None]],
) -> None:
    """Run an update's turn; once more after RETRY_LATER when its answer could not be
    delivered; then record it as answered, or as given up (never as answered)."""
    for attempt in range(1, TRIES + 1):
        failed = await turn()
        if failed is None:
            await inbox.done(tag(update.update_id))
            return
        if attempt < TRIES:
            metrics.inc("telegram_retry_later")
            await asyncio.sleep(RETRY_LATER)
    assert failed is not None
    await inbox.give_up(tag(update.update_id), failed)


def chat_of(update: Update) -> int:
    """The chat an update belongs to (its own id when it has none: a lane of its own)."""
    return update.effective_chat.id if update.effective_chat else update.update_id


@dataclass(frozen=True)
class Hooks:
    """What the intake calls: the adapter's handling, and what it needs to keep updates."""

    handle: Callable[[Update], Awaitable[None]]  # raises when the answer was not delivered
    collapse: Callable[[Update, bool], Awaitable[None]]  # (update, say the one_by_one line)
    urgent: Callable[[Update], bool]
    key: Callable[[int], str]  # the conversation key of a chat
    encode: Callable[[Update], bytes]
    decode: Callable[[bytes], Update]


class Intake:
    """Keeps each update on disk until it is answered; hands it to the adapter once, fairly."""

    def __init__(
        self, hooks: Hooks, inbox: Inbox, metrics: Metrics, workers: int = 64, held: int = HELD
    ) -> None:
        self.hooks, self.inbox, self.metrics, self.held = hooks, inbox, metrics, held
        self.in_flight: dict[int, asyncio.Task[None]] = {}
        self.completed = 0
        self._spilled: deque[tuple[int, int]] = deque()  # (update id, chat), on disk only
        self._spilled_ids: set[int] = set()
        self._backlog: Counter[int] = Counter()  # chat -> updates not yet done
        self._told: set[int] = set()  # chats that got the one_by_one line in this backlog
        self._turns = asyncio.Semaphore(workers)
        self._lanes = KeyedLocks()  # one update per chat at a time, in the order they came
        self._stopping = False

    # ----------------------------------------------------------------- in
    async def accept(self, batch: Sequence[Update]) -> list[asyncio.Task[None]]:
        """Keep the new updates on disk and start them (danger first); after this returns
        they may be confirmed to Telegram."""
        known = [u for u in batch if u.update_id not in self.in_flight]
        known = [u for u in known if u.update_id not in self._spilled_ids]
        fresh = set(await self.inbox.fresh([tag(u.update_id) for u in known]))
        new = [u for u in known if tag(u.update_id) in fresh]
        return await self._admit(new, keep=True)

    async def resume(self) -> int:
        """Read back what was confirmed but not answered before a stop or crash."""
        after, count = 0, 0
        while page := await self.inbox.backlog(after, RESUME_PAGE):
            after = page[-1].seq
            updates = [self.hooks.decode(k.data) for k in page]
            fresh = set(await self.inbox.fresh([tag(u.update_id) for u in updates]))
            for u in updates:
                if tag(u.update_id) not in fresh:  # answered just before the crash
                    await self.inbox.done(tag(u.update_id))
            new = [u for u in updates if tag(u.update_id) in fresh]
            new = [u for u in new if u.update_id not in self.in_flight]
            await self._admit(new, keep=False)
            count += len(new)
        if count:
            log.info("telegram: %d confirmed updates read back to be answered", count)
            self.metrics.inc("telegram_resumed", count)
        return count

    async def _admit(self, updates: list[Update], keep: bool) -> list[asyncio.Task[None]]:
        urgent = {u.update_id for u in updates if self.hooks.urgent(u)}
        started = []
        for update in sorted(updates, key=lambda u: u.update_id not in urgent):
            chat = chat_of(update)
            if keep:
                data = self.hooks.encode(update)
                await self.inbox.keep(
                    tag(update.update_id), update.update_id, self._key(chat), data
                )
            self._backlog[chat] += 1
            if update.update_id not in urgent and self._backlog[chat] > BACKLOG:
                notify = chat not in self._told
                self._told.add(chat)
                started.append(self._start(update, self._collapse(update, chat, notify)))
            elif update.update_id in urgent or len(self.in_flight) < self.held:
                job = self._handle(update, chat, update.update_id in urgent)
                started.append(self._start(update, job))
            else:
                self._spilled.append((update.update_id, chat))
                self._spilled_ids.add(update.update_id)
        return started

    def _key(self, chat: int) -> str:
        return self.hooks.key(chat)

    def _start(self, update: Update, job: Awaitable[None]) -> asyncio.Task[None]:
        task = asyncio.ensure_future(job)
        self.in_flight[update.update_id] = task
        return task

    # ----------------------------------------------------------------- handling
    async def _handle(self, update: Update, chat: int, urgent: bool) -> None:
        try:
            await answer(self.inbox, self.metrics, update, lambda: self._turn(update, chat, urgent))
        finally:
            await self._finished(update.update_id, chat)

    async def _turn(self, update: Update, chat: int, urgent: bool) -> Exception | None:
        async with self._lanes.hold(chat):
            if urgent:  # an acute-danger text never waits for a worker's turn
                return await self._process(update)
            async with self._turns:
                return await self._process(update)

    async def _process(self, update: Update) -> Exception | None:
        """The adapter handles the update; a failure or a hang is returned, never raised."""
        try:
            async with asyncio.timeout(HANDLE_LIMIT):
                await self.hooks.handle(update)
        except Exception as exc:  # TimeoutError included; CancelledError (a stop) is not
            self.metrics.inc("telegram_update_failed")
            log.warning("telegram: an update was not answered: %s", type(exc).__name__)
            return exc
        return None

    async def _collapse(self, update: Update, chat: int, notify: bool) -> None:
        """One of many waiting updates of a chat: answered by the one_by_one line (once)."""
        self.metrics.inc("telegram_collapsed")
        try:
            await self.hooks.collapse(update, notify)
        except Exception as exc:
            self.metrics.inc("telegram_collapse_failed")
            log.warning("telegram: collapsing failed: %s", type(exc).__name__)
        try:
            await self.inbox.done(tag(update.update_id))
        finally:
            await self._finished(update.update_id, chat)

    async def _finished(self, update_id: int, chat: int) -> None:
        self.in_flight.pop(update_id, None)
        self._backlog[chat] -= 1
        if self._backlog[chat] <= 0:
            del self._backlog[chat]
            self._told.discard(chat)
        self.completed += 1
        if not self._stopping:
            await self._refill()

    async def _refill(self) -> None:
        """Start updates waiting on disk while there is room in memory."""
        while self._spilled and len(self.in_flight) < self.held and not self._stopping:
            update_id, chat = self._spilled.popleft()
            self._spilled_ids.discard(update_id)
            data = await self.inbox.read(tag(update_id))
            if data is None:  # gone (purged after a day) or unreadable
                self._backlog[chat] -= 1
                continue
            update = self.hooks.decode(data)
            self._start(update, self._handle(update, chat, urgent=False))

    # ----------------------------------------------------------------- stop
    def answered(self, update_id: int) -> bool:
        """Done with an update it has accepted (for tests: confirmed is not answered)."""
        return update_id not in self.in_flight and update_id not in self._spilled_ids

    def waiting(self) -> int:
        """Updates kept and not yet answered: in memory or on disk only."""
        return len(self.in_flight) + len(self._spilled)

    async def drain(self, timeout: float) -> int:
        """Let in-flight updates finish; cancel the rest, which stay on disk for the next
        start. Returns how many were left unanswered."""
        self._stopping = True
        tasks = list(self.in_flight.values())
        late: set[asyncio.Task[None]] = set()
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=timeout)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
        left = len(late) + len(self._spilled)
        if left:
            log.info("telegram: %d updates kept on disk for the next start", left)
        return left
