"""A resident as a real Matrix client (matrix-nio with encryption) for scenario tests and the bench."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    LoginResponse,
    MegolmEvent,
    ReceiptEvent,
    RoomCreateResponse,
    RoomMemberEvent,
    RoomMessage,
    RoomMessagesResponse,
    RoomPreset,
    RoomSendResponse,
    ToDeviceMessage,
    ToDeviceResponse,
    TypingNoticeEvent,
)
from nio.store import SqliteStore
from unpaddedbase64 import encode_base64

from harness.matrix_trust import set_up, trusted_devices
from harness.synapse import Synapse

MEGOLM = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}
_names = itertools.count()


def new_user(synapse: Synapse, prefix: str) -> tuple[str, str]:
    """Register a fresh user; returns (user id, password)."""
    localpart = f"{prefix}{next(_names)}{secrets.token_hex(3)}"
    password = secrets.token_hex(12)
    return synapse.register(localpart, password), password


@dataclass
class Seen:
    """One message event as the resident's client shows it."""

    sender: str
    body: str | None
    html: str | None
    event_id: str
    at: float


class Resident:
    """Logs in with its own device and encryption store, syncs in the background, talks."""

    def __init__(
        self, synapse: Synapse, home: Path, prefix: str = "resident", strict: bool = False
    ) -> None:
        self.user_id, self.password = new_user(synapse, prefix)
        home.mkdir(parents=True, exist_ok=True)
        config = AsyncClientConfig(
            encryption_enabled=True, store=SqliteStore, store_sync_tokens=True
        )
        self.client = AsyncClient(synapse.url, self.user_id, store_path=str(home), config=config)
        self.seen: dict[str, list[Seen]] = {}
        self.invites: list[tuple[str, str]] = []  # (room id, inviter)
        self.left: dict[str, set[str]] = {}  # room id -> users seen leaving
        self.read: dict[str, set[tuple[str, str]]] = {}  # room id -> (user, event id) receipts
        self.typists: dict[str, set[str]] = {}  # room id -> users ever seen typing
        self._task: asyncio.Task[None] | None = None
        # As Element with "exclude insecure devices" (MSC4153): the resident has cross-signing,
        # reads messages from cross-signed devices only and encrypts for those only.
        self.strict = strict
        self.refused: list[str] = []  # event ids of messages from devices it did not trust

    async def __aenter__(self) -> Resident:
        resp = await self.client.login(self.password, device_name="phone")
        assert isinstance(resp, LoginResponse), resp
        self.client.add_event_callback(self._on_message, (RoomMessage, MegolmEvent))
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)
        self.client.add_event_callback(self._on_member, RoomMemberEvent)
        self.client.add_ephemeral_callback(self._on_ephemeral, (ReceiptEvent, TypingNoticeEvent))
        await self.client.sync(timeout=0, full_state=True)
        if self.strict:
            await set_up(self.client)
        self._task = asyncio.ensure_future(self._sync_forever())
        return self

    async def _sync_forever(self) -> None:
        """nio's sync_forever, one step after another. nio's own runs the key query as a task
        started after checking that one is needed; when a message sent meanwhile did that query
        first, the task fails ("No key query required") and takes the whole loop down: the
        resident then silently stops seeing messages (more often when typing notices wake it)."""
        c = self.client
        while True:
            try:
                await c.sync(timeout=5000)
                await c.send_to_device_messages()
                if c.should_upload_keys:
                    await c.keys_upload()
                if c.should_query_keys:
                    await c.keys_query()
                if c.should_claim_keys:
                    await c.keys_claim(c.get_users_for_key_claiming())
            except (TimeoutError, aiohttp.ClientError):
                await asyncio.sleep(0.5)  # Synapse restarting in a test: as nio retries

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.client.close()

    # ------------------------------------------------------------------ callbacks
    async def _on_message(self, room: Any, event: Any) -> None:
        decrypted = self.strict and getattr(event, "decrypted", False)
        decrypted = decrypted and event.sender != self.user_id  # its own words, from itself
        if decrypted and not await self._from_trusted_device(event):
            self.refused.append(event.event_id)
            return
        source = getattr(event, "source", {}) or {}
        content = source.get("content") or {}
        body = getattr(event, "body", None)
        html = getattr(event, "formatted_body", None) or content.get("formatted_body")
        seen = Seen(event.sender, body, html, event.event_id, time.monotonic())
        self.seen.setdefault(room.room_id, []).append(seen)

    async def _on_invite(self, room: Any, event: Any) -> None:
        if event.membership == "invite" and event.state_key == self.user_id:
            self.invites.append((room.room_id, event.sender))

    async def _on_ephemeral(self, room: Any, event: Any) -> None:
        if isinstance(event, ReceiptEvent):
            seen = self.read.setdefault(room.room_id, set())
            seen.update((r.user_id, r.event_id) for r in event.receipts)
        elif isinstance(event, TypingNoticeEvent):
            self.typists.setdefault(room.room_id, set()).update(event.users)

    async def _on_member(self, room: Any, event: Any) -> None:
        if event.membership in ("leave", "ban"):
            self.left.setdefault(room.room_id, set()).add(event.state_key)

    # ------------------------------------------------------------------ waiting
    async def until(self, check: Callable[[], Any], timeout: float = 30, what: str = "") -> Any:
        """Poll until `check()` is truthy; fails the test after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := check():
                return result
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what or check}")

    def from_user(self, room_id: str, sender: str) -> list[Seen]:
        """Messages in a room sent by one user, oldest first."""
        return [s for s in self.seen.get(room_id, []) if s.sender == sender]

    async def reply(self, room_id: str, bot: str, after: int, timeout: float = 30) -> Seen:
        """The bot's message number `after` (0-based) in the room, waiting for it."""

        def got() -> Seen | None:
            mine = self.from_user(room_id, bot)
            return mine[after] if len(mine) > after else None

        result: Seen = await self.until(got, timeout, "a reply from the bot")
        return result

    async def joined(self, room_id: str) -> None:
        """Wait until our client knows the room as joined."""
        await self.until(lambda: room_id in self.client.rooms, what="the room to be joined")

    # ------------------------------------------------------------------ actions
    async def open_dm(
        self,
        bot: str,
        encrypted: bool,
        others: tuple[str, ...] = (),
        preset: RoomPreset = RoomPreset.trusted_private_chat,
    ) -> str:
        """Create a direct chat and invite the bot: by default as Element does (both may
        moderate); `private_chat` leaves the bot without power."""
        resp = await self.client.room_create(
            is_direct=not others,
            preset=preset,
            invite=[bot, *others],
            initial_state=[MEGOLM] if encrypted else [],
        )
        assert isinstance(resp, RoomCreateResponse), resp
        await self.joined(resp.room_id)
        return str(resp.room_id)

    async def accept(self, inviter: str, timeout: float = 30) -> str:
        """Join the next room `inviter` invites us to."""
        room_id: str = await self.until(
            lambda: next((r for r, by in self.invites if by == inviter), None), timeout, "an invite"
        )
        self.invites = [(r, by) for r, by in self.invites if r != room_id]
        await self.client.join(room_id)
        await self.joined(room_id)
        return room_id

    async def conversation(
        self, bot: str, encrypted: bool, first: str | None = None, moved: bool = False
    ) -> str:
        """Open a chat with the bot as a resident would; returns the room the conversation is
        in: the resident's own chat (Element's preset), or with `moved` (a chat where the bot
        may not redact) the bot's own room, joined."""
        preset = RoomPreset.private_chat if moved else RoomPreset.trusted_private_chat
        original = await self.open_dm(bot, encrypted, preset=preset)
        if first is not None:
            await self.say(original, first)
        return await self.accept(bot) if moved else original

    async def greeted(self, bot: str, encrypted: bool, moved: bool = False) -> str:
        """Open a chat with the bot and wait for its greeting; returns the conversation's room."""
        room = await self.conversation(bot, encrypted, moved=moved)
        await self.reply(room, bot, 0)
        return room

    async def say(self, room_id: str, text: str) -> str:
        """Send a text message; returns its event id."""
        return await self.send(room_id, {"msgtype": "m.text", "body": text})

    async def send(self, room_id: str, content: dict[str, Any]) -> str:
        """Send any m.room.message content (encrypted where the room is)."""
        await self._sessions_with_everyone(room_id)
        if self.strict:
            await self._trust_cross_signed(room_id)
        resp = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=not self.strict
        )
        assert isinstance(resp, RoomSendResponse), resp
        return str(resp.event_id)

    async def _sessions_with_everyone(self, room_id: str) -> None:
        """As Element does before encrypting: know every member's devices and open sessions."""
        if not self.client.rooms[room_id].encrypted:
            return
        assert self.client.olm is not None
        self.client.olm.users_for_key_query.update(self.client.rooms[room_id].users)
        await self.client.keys_query()
        missing = self.client.get_missing_sessions(room_id)
        if missing:
            await self.client.keys_claim(missing)

    async def _from_trusted_device(self, event: Any) -> bool:
        """Whether a decrypted event came from a device its sender cross-signed."""
        if event.sender not in self.client.device_store.users:
            assert self.client.olm is not None
            self.client.olm.users_for_key_query.add(event.sender)
            await self.client.keys_query()
        devices = self.client.device_store[event.sender].values()
        device = next((d for d in devices if d.curve25519 == event.sender_key), None)
        return device is not None and device.id in await trusted_devices(self.client, event.sender)

    async def _trust_cross_signed(self, room_id: str) -> None:
        """Encrypt for cross-signed devices only: verify those, blacklist the others."""
        for user in self.client.rooms[room_id].users:
            trusted = await trusted_devices(self.client, user)
            for device in list(self.client.device_store[user].values()):
                if device.id in trusted:
                    self.client.verify_device(device)
                else:
                    self.client.blacklist_device(device)

    async def raw(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """One request to the client API as this resident, bypassing nio's checks."""
        headers = {"Authorization": f"Bearer {self.client.access_token}"}
        resp = await self.client.send(
            method, f"/_matrix/client/v3{path}", json.dumps(body), headers=headers
        )
        async with resp:
            assert resp.status == 200, (resp.status, await resp.text())
            return dict(await resp.json())

    async def olm_to_device(self, user: str, device: str, payload: dict[str, Any]) -> None:
        """Send `user`'s `device` an Olm-encrypted to-device event with exactly this payload
        (which a correct client would never send: for testing what the bot does with it)."""
        olm = self.client.olm
        assert olm is not None
        olm.users_for_key_query.add(user)
        await self.client.keys_query()
        missing = olm.get_missing_sessions([user])
        if missing:
            await self.client.keys_claim(missing)
        target = self.client.device_store[user][device]
        session = olm.session_store.get(target.curve25519)
        assert session is not None, "no Olm session with the device"
        kind, body = session.encrypt(json.dumps(payload)).to_parts()
        content = {
            "algorithm": "m.olm.v1.curve25519-aes-sha2",
            "sender_key": olm.account.identity_keys["curve25519"],
            "ciphertext": {target.curve25519: {"type": kind, "body": encode_base64(body)}},
        }
        resp = await self.client.to_device(
            ToDeviceMessage("m.room.encrypted", user, device, content)
        )
        assert isinstance(resp, ToDeviceResponse), resp

    async def history(self, room_id: str) -> list[Any]:
        """Every event of the room as the homeserver gives it to this client now, newest first."""
        resp = await self.client.room_messages(room_id, limit=200)
        assert isinstance(resp, RoomMessagesResponse), resp
        return list(resp.chunk)
