"""Edges of the live relay found after it was built: the trusted person's status after an end,
typed numbers after messages pushed outside a turn, right-to-left pseudonyms, an erase started
by a transport, and no dead end when nobody is free."""

from __future__ import annotations

import io

from bot.engine import inputs as i
from bot.engine.engine import Engine
from bot.engine.text import LRI, PDI
from bot.i18n.catalogs import Catalogs
from bot.runner import Runner
from bot.store.memory import MemoryStore
from bot.store.relay_memory import MemoryRelay
from bot.transports.console import Console
from harness.clock import FrozenClock
from tests.relay.chats import CANARY, Chats, P, ask, connect, enrol, keyer


async def test_after_an_end_the_helper_is_still_available(chats: Chats) -> None:
    """An end told them "Je staat op pauze" while they were still available (and offered)."""
    await connect(chats)
    await chats.send("r1", i.Choice("relay.end", "relay"))
    told = chats.last("h1").text
    assert "gestopt" in told and "Je staat op beschikbaar" in told and "pauze" not in told
    await ask(chats, "r2")
    assert "Iemand wil praten" in chats.last("h1").text, "and they get the next offer"


async def test_a_paused_helper_is_told_pause_when_an_offer_goes(chats: Chats) -> None:
    await enrol(chats, "samira", "h1")
    await ask(chats, "r1")
    await chats.send("h1", i.Choice("helper.pause"))
    await chats.send("r1", i.Choice("relay.cancel", "relay"))
    assert "Je staat op pauze" in chats.last("h1").text


async def test_typed_numbers_follow_messages_pushed_outside_a_turn(chats: Chats) -> None:
    """On a numbered transport, "1" refers to the last message delivered, also when the relay
    pushed it (connected, relayed text), not to the last answer of the resident's own turn."""
    chats.runner.attach(P, chats.deliver, numbered=True)
    await enrol(chats, "samira", "h1")
    for inp in (i.Start(), i.Command("help"), i.Choice("talk")):
        await chats.runner.handle(P, "r1", inp, chats.deliver("r1"), "nl", numbered=True)
    assert "Ik zoek iemand" in chats.last("r1").text  # 1. Stoppen met zoeken
    await chats.runner.handle(P, "h1", i.Text("1"), chats.deliver("h1"), numbered=True)
    assert "Je bent verbonden met Bewoner" in chats.last("h1").text, "'1' accepted the offer"
    await chats.send("h1", i.Text("Hallo, ik ben Samira."))
    assert [b.id for b in chats.last("r1").options] == ["relay.end", "relay.report"]
    await chats.runner.handle(P, "r1", i.Text("1"), chats.deliver("r1"), numbered=True)
    assert "Het gesprek is gestopt" in chats.last("r1").text, "'1' was 'Gesprek stoppen'"


async def test_the_terminal_helper_answers_by_number(
    relay_engine: Engine,
    catalogs: Catalogs,
    clock: FrozenClock,
) -> None:
    """`vrede chat --helper`: '@vp 1' presses the trusted person's first button."""
    runner = Runner(
        relay_engine, MemoryStore(), keyer(), catalogs.negotiate, clock, relay=MemoryRelay()
    )
    out = io.StringIO()
    console = Console(runner, out, echo=True)
    await console.run((), "nl", None, "samira")
    await console.answer("@vp 1")  # 1. Beschikbaar
    assert "[vertrouwenspersoon] Je staat op beschikbaar" in out.getvalue()
    await runner.detach("console")


def test_rtl_pseudonyms_are_isolated_once(relay_engine: Engine) -> None:
    """'Bewoner 27' filled into 'Je bent verbonden met {resident}' was wrapped twice."""
    for lang in ("ar", "fa"):
        name = relay_engine.system_text(lang, "relay_resident_name", tag="27")
        text = relay_engine.system_text(lang, "helper_connected", resident=name)
        assert text.count(LRI) == 1 and text.count(PDI) == 1, (lang, text)


async def test_an_erase_by_the_transport_ends_the_relay(chats: Chats) -> None:
    """A Matrix resident who leaves the room, the web page's quick exit: runner.erase."""
    await connect(chats)
    await chats.send("r1", i.Text(CANARY))
    assert CANARY in chats.texts("h1")
    await chats.runner.erase(P, "r1")
    assert CANARY not in chats.texts("h1"), "the relayed messages are gone from their chat"
    assert "gestopt" in chats.last("h1").text
    assert chats.runner.relay is not None
    assert await chats.runner.relay.store.pairings(0) == []
    await chats.send("h1", i.Text("ben je er nog?"))
    assert "ben je er nog?" not in chats.texts("r1")


async def test_nobody_free_still_offers_the_directory(chats: Chats) -> None:
    """Asking for a person when nobody is free: Veilig Thuis, and the trusted persons' list."""
    await chats.send("r1", i.Start())
    await chats.send("r1", i.Text("ik wil een echt mens spreken"))
    last = chats.last("r1")
    assert "Er is nu niemand vrij" in last.text
    assert "trusted" in [b.id for b in last.options]
    await chats.send("r1", i.Choice("trusted", last.node))
    shown = chats.last("r1").text
    assert "Samira" in shown and "Kasia" in shown and shown.endswith("Bel 112.")
