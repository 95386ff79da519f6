"""One contract for the RelayStore: memory, SQLite and Valkey/Redis (a real redis-server)
behave the same."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.base import Helper, Pairing, RelayStore
from bot.store.redis_conn import connect
from bot.store.redis_relay import RedisRelay
from bot.store.relay_memory import MemoryRelay
from bot.store.relay_sqlite import SqliteRelay
from bot.store.sqlite import SqliteStore

NOW = 1_000_000


@pytest.fixture(params=["memory", "sqlite", "redis"])
async def relay(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RelayStore]:
    if request.param == "memory":
        yield MemoryRelay()
        return
    if request.param == "redis":
        redis = connect(request.getfixturevalue("redis_url"))
        yield RedisRelay(redis)
        await redis.aclose()
        return
    store = SqliteStore(tmp_path / "s.db")
    yield SqliteRelay(store)
    await store.close()


def helper(person: str, key: str, **kw: object) -> Helper:
    return Helper(person, key, "telegram", f"sealed-{person}", **kw)  # type: ignore[arg-type]


def pairing(rid: str, started: int = NOW, **kw: object) -> Pairing:
    return Pairing(rid, f"resident-{rid}", "samira", "offered", started, started, **kw)  # type: ignore[arg-type]


# ----------------------------------------------------------------- invites
async def test_a_code_is_redeemed_once(relay: RelayStore) -> None:
    await relay.invite("code-hmac", "samira", NOW + 60)
    assert await relay.redeem("code-hmac", NOW) == "samira"
    assert await relay.redeem("code-hmac", NOW) is None, "used up"


async def test_an_expired_or_unknown_code_gives_nobody(relay: RelayStore) -> None:
    await relay.invite("old", "samira", NOW)
    assert await relay.redeem("old", NOW) is None, "expires at the second given"
    assert await relay.redeem("never-made", NOW) is None


async def test_a_new_invite_for_the_same_code_replaces_it(relay: RelayStore) -> None:
    await relay.invite("c", "samira", NOW + 60)
    await relay.invite("c", "kasia", NOW + 60)
    assert await relay.redeem("c", NOW) == "kasia"


# ----------------------------------------------------------------- trusted persons
async def test_enrolled_persons_are_found_by_chat_key_and_listed_by_id(relay: RelayStore) -> None:
    await relay.enrol(helper("samira", "k2"))
    await relay.enrol(helper("ayse", "k1", available=True, reports=2))
    assert await relay.helper("k1") == helper("ayse", "k1", available=True, reports=2)
    assert await relay.helper("nobody") is None
    assert [h.person for h in await relay.helpers()] == ["ayse", "samira"]


async def test_enrolling_again_replaces_a_persons_link(relay: RelayStore) -> None:
    """One chat per person: a new link (a new phone) replaces the old one."""
    await relay.enrol(helper("samira", "old-chat"))
    await relay.enrol(helper("samira", "new-chat", available=True))
    assert await relay.helper("old-chat") is None
    assert await relay.helpers() == [helper("samira", "new-chat", available=True)]


async def test_a_chat_belongs_to_one_person(relay: RelayStore) -> None:
    """A chat enrolled for another person leaves the first one."""
    await relay.enrol(helper("samira", "shared"))
    await relay.enrol(helper("kasia", "shared"))
    assert [h.person for h in await relay.helpers()] == ["kasia"]


# ----------------------------------------------------------------- pairings
async def test_a_pairing_is_stored_replaced_and_dropped(relay: RelayStore) -> None:
    p = pairing("r1", tried=("kasia",), tag="27")
    await relay.save_pairing(p, NOW + 60)
    assert await relay.pairing("r1", NOW) == p, "every field comes back, `tried` as a tuple"
    active = Pairing("r1", p.resident, "samira", "active", NOW, NOW + 5, ("kasia",), "27")
    await relay.save_pairing(active, NOW + 120)
    assert await relay.pairing("r1", NOW + 100) == active
    await relay.drop_pairing("r1")
    assert await relay.pairing("r1", NOW) is None
    await relay.drop_pairing("r1")  # dropping twice is harmless


async def test_pairings_expire_and_are_listed_oldest_first(relay: RelayStore) -> None:
    await relay.save_pairing(pairing("b", started=NOW + 1), NOW + 60)
    await relay.save_pairing(pairing("a", started=NOW + 1), NOW + 60)
    await relay.save_pairing(pairing("c", started=NOW), NOW + 60)
    await relay.save_pairing(pairing("gone", started=NOW - 5), NOW + 10)
    assert await relay.pairing("gone", NOW + 10) is None, "gone at the second given"
    assert [p.id for p in await relay.pairings(NOW + 10)] == ["c", "a", "b"]
    assert [p.id for p in await relay.pairings(NOW)] == ["c", "a", "b"], "expired ones dropped"


async def test_nothing_but_keys_times_and_a_tag_is_kept(relay: RelayStore) -> None:
    """The port has no place for text: a pairing round-trips only its own fields."""
    p = pairing("r9", tag="41")
    await relay.save_pairing(p, NOW + 60)
    assert Pairing.from_json(p.to_json()) == p
    assert set(p.__dataclass_fields__) == {
        "id",
        "resident",
        "person",
        "state",
        "started",
        "touched",
        "tried",
        "tag",
    }


async def test_sqlite_keeps_enrolments_across_a_restart(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "s.db")
    await SqliteRelay(store).enrol(helper("samira", "k", available=True))
    await store.close()
    store = SqliteStore(tmp_path / "s.db")
    assert await SqliteRelay(store).helpers() == [helper("samira", "k", available=True)]
    await store.close()
