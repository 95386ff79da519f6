"""The bot's encryption store forgets residents: once the bot shares no room with a resident
any more (after erase, after the resident left, after a conversation expired), their device
ids and keys, display names, Olm sessions, and the megolm sessions, encryption flag and key
requests of the rooms the bot left are deleted from nio's store (crypto.db) and from memory.

nio has no call for this, so its own store models are used (rows deleted one by one with
peewee's delete_instance; no SQL of ours); nio opens its SQLite file with secure_delete, so
deleted rows are overwritten, not left in free pages. Nothing is deleted that a room the bot is
still in needs. Olm sessions are kept by sender key, not by user: one whose device the store
does not know (a session opened by a to-device message from someone never looked up) is
deleted once it has not been used for ORPHAN_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from nio import AsyncClient

log = logging.getLogger(__name__)
ORPHAN_SECONDS = 3600


def forget_departed(client: AsyncClient, thorough: bool = True) -> None:
    """Delete what the encryption store keeps about rooms the bot is not in, and about users it
    shares no room with; logs counts only.

    `thorough=False` (after every sync) does the work only when memory still knows a user or a
    room the bot no longer shares: a key query that was under way when the bot left, or a sync
    that brought the leave later, can bring a departed resident's devices back."""
    olm, store = client.olm, client.store
    if olm is None or store is None:
        return
    rooms = set(client.rooms) | set(client.invited_rooms)
    users = {str(client.user_id)}
    for room in [*client.rooms.values(), *client.invited_rooms.values()]:
        users |= set(room.users) | set(getattr(room, "invited_users", {}) or {})
    known: dict[str, Any] = olm.device_store._entries
    gone_users = set(known) - users
    olm.users_for_key_query &= users  # a sync's "keys changed" for someone long gone
    if not thorough and not gone_users and not _stale_rooms(client, rooms):
        return
    kept = {d.curve25519 for u in users for d in known.get(u, {}).values()}
    gone = {d.curve25519 for u in gone_users for d in known.get(u, {}).values()} - kept
    _in_memory(client, rooms, gone_users, _Curves(kept, gone))
    counts = _on_disk(store, rooms, users, _Curves(kept, gone))
    if any(counts):
        log.info("encryption store: forgot %d devices, %d Olm and %d megolm sessions", *counts)


@dataclass(frozen=True)
class _Curves:
    """Identity keys of devices: of users the bot still talks to, and of users forgotten now."""

    kept: set[str]
    gone: set[str]

    def drop(self, curve: str, last_used: dt.datetime | None) -> bool:
        """Forget Olm sessions with this sender key? Those of forgotten devices at once,
        those of unknown devices when idle."""
        return curve in self.gone or (curve not in self.kept and _idle(last_used))


def _in_memory(client: AsyncClient, rooms: set[str], gone: set[str], curves: _Curves) -> None:
    olm: Any = client.olm
    for user in gone:
        olm.device_store._entries.pop(user, None)
    olm.tracked_users -= gone
    olm.users_for_key_query -= gone
    for curve, sessions in list(olm.session_store._entries.items()):
        if curves.drop(curve, max((s.use_time for s in sessions), default=None)):
            del olm.session_store._entries[curve]
    for room in [r for r in olm.inbound_group_store._entries if r not in rooms]:
        del olm.inbound_group_store._entries[room]
    for room in [r for r in olm.outbound_group_sessions if r not in rooms]:
        del olm.outbound_group_sessions[room]
    for rid, req in list(olm.outgoing_key_requests.items()):
        if req.room_id not in rooms:
            del olm.outgoing_key_requests[rid]
    client.encrypted_rooms &= rooms


def _on_disk(store: Any, rooms: set[str], users: set[str], curves: _Curves) -> tuple[int, ...]:
    """Delete the rows; returns (devices, Olm sessions, megolm sessions) deleted."""
    devices = olm = megolm = 0
    with store.database.bind_ctx(store.models), store.database.atomic():
        account = store._get_account()
        if account is None:
            return (0, 0, 0)
        for device in list(account.device_keys):
            if device.user_id not in users:
                device.delete_instance(recursive=True)  # its keys and trust state too
                devices += 1
        for session in list(account.olm_sessions):
            if curves.drop(session.sender_key, session.last_usage_date):
                session.delete_instance()
                olm += 1
        for group in list(account.inbound_group_sessions):
            if group.room_id not in rooms:
                group.delete_instance(recursive=True)  # with its forwarding chain
                megolm += 1
        for row in [*account.encrypted_rooms, *account.out_key_requests]:
            if row.room_id not in rooms:
                row.delete_instance()
    return (devices, olm, megolm)


def _stale_rooms(client: AsyncClient, rooms: set[str]) -> bool:
    """Does memory hold encryption state of a room the bot has left?"""
    olm: Any = client.olm
    held = set(olm.inbound_group_store._entries) | set(olm.outbound_group_sessions)
    return bool(held - rooms) or bool(client.encrypted_rooms - rooms)


def _idle(used: dt.datetime | None) -> bool:
    """Unused for ORPHAN_SECONDS (or never): a session no conversation of now relies on."""
    if used is None:
        return True
    now = dt.datetime.now(used.tzinfo) if used.tzinfo else dt.datetime.now()
    return (now - used).total_seconds() > ORPHAN_SECONDS
