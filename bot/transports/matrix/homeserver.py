"""The few homeserver calls the transport makes, each retried while the homeserver is busy.

matrix-nio already waits out 429 M_LIMIT_EXCEEDED (for `retry_after_ms`) and reconnects after a
lost connection; this layer adds retries for 5xx answers and for rate limits nio gave up on.
Messages are sent with a transaction id chosen by the caller: the homeserver keeps those ids, so
a retry after a lost answer (or after a restart of either side) never posts a message twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from nio import (
    AsyncClient,
    ErrorResponse,
    JoinResponse,
    RedactedEvent,
    RoomCreateResponse,
    RoomMessagesResponse,
    RoomPreset,
    RoomSendResponse,
)

from bot.metrics import Metrics
from bot.transports.matrix.forget import forget_departed
from bot.transports.retry import BASE, backoff

log = logging.getLogger(__name__)
SIGNAL_SECONDS = 3.0  # how long a read receipt or typing notice may take before it is dropped
R = TypeVar("R")
MEGOLM = "m.megolm.v1.aes-sha2"
ATTEMPTS = 12  # with the back-off below: about five minutes of retrying


def transient(resp: object) -> bool:
    """A rate limit or a server-side error: worth trying again."""
    if not isinstance(resp, ErrorResponse):
        return False
    status = getattr(resp.transport_response, "status", None)
    return resp.status_code == "M_LIMIT_EXCEEDED" or (status is not None and status >= 500)


def _code(resp: object) -> str:
    """A short, id-free description of a failed answer, for the log."""
    status = getattr(getattr(resp, "transport_response", None), "status", "?")
    return f"{getattr(resp, 'status_code', type(resp).__name__)}/{status}"


class Homeserver:
    """Sends, redacts, creates, joins and leaves rooms; retries what is worth retrying."""

    def __init__(self, client: AsyncClient, metrics: Metrics, base: float = BASE) -> None:
        self.client, self.metrics, self.base = client, metrics, base

    async def retrying(self, what: str, call: Callable[[], Awaitable[R]]) -> R | None:
        """The first answer that is not transient; None when the homeserver stays unreachable."""
        for failures in range(1, ATTEMPTS + 1):
            asked = 0.0
            try:
                resp = await call()
            except (TimeoutError, aiohttp.ClientError, json.JSONDecodeError) as exc:
                log.warning("%s: %s, retrying", what, type(exc).__name__)
            else:
                if not transient(resp):
                    return resp
                log.warning("%s: homeserver answered %s, retrying", what, _code(resp))
                asked = getattr(resp, "retry_after_ms", 0) / 1000 or 0.0
            self.metrics.inc("matrix_retries")
            await asyncio.sleep(backoff(failures, self.base, asked))
        self.metrics.inc("matrix_gave_up")
        return None

    async def send(self, room_id: str, content: dict[str, Any], txn: str) -> str | None:
        """Post a message (encrypted in encrypted rooms); returns the event id or None."""

        async def call() -> object:
            return await self.client.room_send(
                room_id, "m.room.message", content, tx_id=txn, ignore_unverified_devices=True
            )

        resp = await self.retrying("send", call)
        if isinstance(resp, RoomSendResponse):
            return str(resp.event_id)
        log.warning("send failed: %s", _code(resp))
        self.metrics.inc("matrix_send_failures")
        return None

    async def redact(self, room_id: str, event_id: str) -> bool:
        """Redact one event; False when not allowed or not possible."""
        resp = await self.retrying("redact", lambda: self.client.room_redact(room_id, event_id))
        ok = resp is not None and not isinstance(resp, ErrorResponse)
        self.metrics.inc("matrix_redactions" if ok else "matrix_redaction_failures")
        return ok

    async def redact_all(self, room_id: str, senders: frozenset[str] | None = None) -> int:
        """Redact every message event of the room (of `senders` only, if given), newest first."""
        done, token = 0, None
        while True:
            page = await self.retrying(
                "history",
                lambda t=token: self.client.room_messages(room_id, start=t, limit=100),  # type: ignore[misc]
            )
            if not isinstance(page, RoomMessagesResponse):
                return done
            for event in page.chunk:
                if _redactable(event) and (senders is None or event.sender in senders):
                    done += await self.redact(room_id, event.event_id)
            if not page.chunk or not page.end or page.end == token:
                return done
            token = page.end

    async def create(self, resident: str, encrypted: bool) -> str | None:
        """A private room for one conversation, where the bot alone can redact everything."""
        state: list[dict[str, Any]] = [
            # A member who joins later sees nothing from before their invite.
            {
                "type": "m.room.history_visibility",
                "state_key": "",
                "content": {"history_visibility": "invited"},
            },
            {
                "type": "m.room.guest_access",
                "state_key": "",
                "content": {"guest_access": "forbidden"},
            },
        ]
        if encrypted:
            state.append(
                {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": MEGOLM}}
            )
        # The creator (the bot) holds full power; the resident may talk and invite, not redact
        # others' messages or change the room. (Room version 12 forbids naming the creator.)
        levels = {
            "users_default": 0,
            "events_default": 0,
            "redact": 50,
            "state_default": 50,
            "invite": 0,
            "kick": 50,
            "ban": 50,
        }

        async def call() -> object:
            return await self.client.room_create(
                is_direct=True,
                preset=RoomPreset.private_chat,
                invite=[resident],
                initial_state=state,
                power_level_override=levels,
            )

        resp = await self.retrying("create room", call)
        if isinstance(resp, RoomCreateResponse):
            return str(resp.room_id)
        log.warning("creating a room failed: %s", _code(resp))
        return None

    async def may_moderate(self, room_id: str, what: str) -> bool:
        """Whether the bot may `redact` everyone's events, or send `m.room.*` state, here.
        In room version 12 Element's direct chat makes the invited bot an additional creator
        (MSC4289): unlimited power that nio's power levels do not know about."""
        room = self.client.rooms.get(room_id)
        me = str(self.client.user_id)
        if room is None:
            return False
        levels = room.power_levels
        if levels.can_user_redact(me) if what == "redact" else levels.can_user_send_state(me, what):
            return True
        resp = await self.retrying(
            "room state", lambda: self.client.room_get_state_event(room_id, "m.room.create")
        )
        creators = getattr(resp, "content", {}).get("additional_creators") or []
        return me in creators

    async def history_from_invite(self, room_id: str) -> None:
        """Where the bot may: someone invited later sees nothing from before their invite (as
        in the bot's own rooms); best effort."""
        room = self.client.rooms.get(room_id)
        kind = "m.room.history_visibility"
        if room is None or room.history_visibility in ("invited", "joined"):
            return
        if await self.may_moderate(room_id, kind):
            content = {"history_visibility": "invited"}
            await self.retrying(
                "history", lambda: self.client.room_put_state(room_id, kind, content)
            )

    async def seen(self, room_id: str, event_id: str) -> None:
        """A read receipt for a resident's message; best effort (never retried, never fatal)."""
        await self._quietly("receipt", self.client.room_read_markers(room_id, event_id, event_id))

    async def typing(self, room_id: str, on: bool) -> None:
        """Show or end "typing..." while a reply is prepared; best effort."""
        await self._quietly("typing", self.client.room_typing(room_id, on, timeout=15_000))

    async def _quietly(self, what: str, call: Awaitable[object]) -> None:
        """At most a few seconds, and never an error: a courtesy must not hold up a reply."""
        try:
            async with asyncio.timeout(SIGNAL_SECONDS):
                await call
        except Exception as exc:  # a homeserver that is down, a timeout, a protocol error
            log.info("%s: %s", what, type(exc).__name__)
            self.metrics.inc(f"matrix_{what}_failed")

    async def join(self, room_id: str) -> bool:
        """Accept an invite."""
        resp = await self.retrying("join", lambda: self.client.join(room_id))
        return isinstance(resp, JoinResponse)

    async def leave(self, room_id: str) -> None:
        """Leave the room and forget it, so it no longer shows up for the bot."""
        await self.retrying("leave", lambda: self.client.room_leave(room_id))
        await self.retrying("forget", lambda: self.client.room_forget(room_id))
        forget_departed(self.client)  # the encryption store forgets the room and the resident


def _redactable(event: Any) -> bool:
    """Message-like events that still have content: not state, not redactions themselves."""
    source = getattr(event, "source", {}) or {}
    if isinstance(event, RedactedEvent) or "state_key" in source:
        return False
    unsigned = source.get("unsigned") or {}
    return source.get("type") != "m.room.redaction" and "redacted_because" not in unsigned
