"""The live relay through the runner, with a recording transport: enrolment, availability,
offer, accept, decline, timeouts, both ends, erase, danger, restart, and no cross-talk."""

from __future__ import annotations

import aiohttp

from bot.engine import inputs as i
from bot.engine.replies import Erase, Message
from bot.transports.web.options import WebOptions
from bot.transports.web.server import serve
from harness.clock import FrozenClock
from tests.relay.chats import CANARY, Chats, P, ask, connect, enrol


async def test_nobody_available_gives_veilig_thuis_and_112_at_once(chats: Chats) -> None:
    await ask(chats, "r1")
    last = chats.last("r1")
    assert "Er is nu niemand vrij" in last.text
    assert "0800-2000" in last.text and "Dag en nacht bereikbaar" in last.text
    assert last.text.endswith("Bel 112.")
    assert chats.runner.metrics.counts["relay_fell_back"] == 1


async def test_a_code_links_a_trusted_person_once(chats: Chats) -> None:
    assert chats.runner.relay is not None
    code = await chats.runner.relay.invite("samira")
    await chats.send("h1", i.Start(code))  # as from a deep link
    assert "gekoppeld" in chats.last("h1").text
    await chats.send("h2", i.Text(code))  # used up: this chat is a resident's
    assert "gekoppeld" not in chats.last("h2").text
    session = await chats.runner.store.load(chats.runner.key(P, "h1"), 0)
    assert session is None, "a trusted person's chat is never a resident's conversation"


async def test_a_code_typed_in_the_web_chat_is_no_enrolment(chats: Chats) -> None:
    """The web chat answers only when asked, so a trusted person cannot work from it: a code
    typed there is a resident's text and stays valid for their messenger."""
    assert chats.runner.relay is not None
    code = await chats.runner.relay.invite("samira")
    options = WebOptions.make("Informatie", "https://example.org/", "", None, 30)
    serving = await serve(chats.runner, options, "127.0.0.1", 0)
    try:
        url = f"http://127.0.0.1:{serving.port}/api/say"
        async with aiohttp.ClientSession() as http, http.post(url, json={"text": code}) as r:
            said = " ".join(m["text"] for m in (await r.json())["messages"])
    finally:
        await serving.stop()
    assert "112" in said and "gekoppeld" not in said
    await chats.send("h1", i.Start(code))
    assert "gekoppeld" in chats.last("h1").text, "the code still works on the messenger"


async def test_offer_is_neutral_and_accept_connects_both(chats: Chats) -> None:
    await connect(chats)
    offers = [m for m in chats.got["h1"] if isinstance(m, Message) and "Iemand wil" in m.text]
    offer = offers[0]
    assert offer.text.startswith("Iemand wil praten. Taal: Nederlands. Regio: onbekend.")
    assert [b.id for b in offer.options] == ["helper.accept", "helper.decline"]
    assert "Bewoner" in chats.last("h1").text
    assert chats.runner.metrics.counts["relay_accepted"] == 1


async def test_text_passes_both_ways_with_pseudonyms_and_112(chats: Chats) -> None:
    await connect(chats)
    before = len(chats.got["r1"])
    await chats.send("r1", i.Text(CANARY))
    assert len(chats.got["r1"]) == before, "the resident's own message gets no reply"
    relayed = chats.last("h1")
    assert relayed.text.startswith("Bewoner ") and relayed.text.endswith(CANARY)
    assert "r1" not in relayed.text and "112" not in relayed.text
    await chats.send("h1", i.Text("Ik ben er. Wat is er gebeurd?"))
    got = chats.last("r1")
    assert got.text.startswith("Vertrouwenspersoon Samira")
    assert "Wat is er gebeurd?" in got.text and got.text.endswith("Bel 112.")
    assert [b.id for b in got.options] == ["relay.end", "relay.report"]


async def test_resident_ends_and_the_helpers_chat_is_erased(chats: Chats) -> None:
    await connect(chats)
    await chats.send("r1", i.Text(CANARY))
    await chats.send("r1", i.Choice("relay.end", "relay"))
    assert "Het gesprek is gestopt" in chats.last("r1").text
    assert CANARY not in chats.texts("h1"), "the relayed messages are gone from their chat"
    assert "gestopt" in chats.last("h1").text
    await chats.send("r1", i.Text("hallo?"))
    assert "hallo?" not in chats.texts("h1"), "nothing passes after the end"


async def test_helper_ends(chats: Chats) -> None:
    await connect(chats)
    await chats.send("h1", i.Choice("helper.end"))
    assert "De vertrouwenspersoon heeft het gesprek gestopt" in chats.last("r1").text


async def test_wissen_mid_relay_ends_it_and_erases(chats: Chats) -> None:
    await connect(chats)
    await chats.send("r1", i.Text(CANARY))
    await chats.send("r1", i.Text("wissen"))
    assert any(isinstance(r, Erase) for r in chats.got["r1"])
    assert "wissen" not in chats.texts("h1") and CANARY not in chats.texts("h1")
    assert await chats.runner.store.load(chats.runner.key(P, "r1"), 0) is None


async def test_danger_mid_relay_opens_the_screen_and_alerts(chats: Chats) -> None:
    await connect(chats)
    await chats.send("r1", i.Text("hij heeft een mes en wil me doden"))
    assert chats.last("r1").urgent
    assert "Let op: mogelijk acuut gevaar" in chats.last("h1").text
    await chats.send("h1", i.Text("Bel nu 112."))
    assert "Bel nu 112." in chats.last("r1").text, "the relay goes on"


async def test_photos_are_not_relayed(chats: Chats) -> None:
    await connect(chats)
    await chats.send("r1", i.Unsupported("photo"))
    assert "Alleen tekst gaat door" in chats.last("r1").text


async def test_report_flags_the_person_without_content(chats: Chats) -> None:
    await connect(chats)
    await chats.send("r1", i.Text(CANARY))
    await chats.send("r1", i.Choice("relay.report", "relay"))
    assert chats.runner.relay is not None
    helpers = await chats.runner.relay.store.helpers()
    assert [(h.person, h.reports) for h in helpers] == [("samira", 1)]


async def test_decline_passes_the_offer_on(chats: Chats) -> None:
    await enrol(chats, "samira", "h1")
    await enrol(chats, "kasia", "h2")
    await ask(chats, "r1")
    first = "h1" if "Iemand wil praten" in chats.last("h1").text else "h2"
    other = "h2" if first == "h1" else "h1"
    await chats.send(first, i.Choice("helper.decline"))
    assert "Iemand wil praten" in chats.last(other).text
    await chats.send(other, i.Choice("helper.accept"))
    assert "is er nu voor je" in chats.last("r1").text


async def test_offer_timeout_falls_back_to_veilig_thuis(chats: Chats, clock: FrozenClock) -> None:
    await enrol(chats, "samira", "h1")
    await ask(chats, "r1")
    clock.advance(seconds=91)
    assert chats.runner.relay is not None
    await chats.runner.relay.tick()
    assert "Het lukte niet om nu iemand te vinden" in chats.last("r1").text
    assert "0800-2000" in chats.last("r1").text
    assert "niet op tijd" in chats.last("h1").text
    await chats.send("h1", i.Choice("helper.accept"))
    assert "al gestopt" in chats.last("h1").text


async def test_silence_ends_the_relay_for_both(chats: Chats, clock: FrozenClock) -> None:
    await connect(chats)
    clock.advance(minutes=31)
    assert chats.runner.relay is not None
    await chats.runner.relay.tick()
    assert "half uur geen bericht" in chats.last("r1").text
    assert "half uur stilte" in chats.last("h1").text


async def test_end_of_hours_sets_pause(chats: Chats, clock: FrozenClock) -> None:
    await enrol(chats, "samira", "h1")  # mo-fr 09:00-17:00
    clock.advance(hours=8)
    assert chats.runner.relay is not None
    await chats.runner.relay.tick()
    assert "Je uren zijn voorbij" in chats.last("h1").text
    await chats.send("h1", i.Choice("helper.available"))
    assert "buiten je uren" in chats.last("h1").text


async def test_two_relays_never_cross(chats: Chats) -> None:
    await enrol(chats, "samira", "h1")
    await enrol(chats, "kasia", "h2")
    await ask(chats, "r1")
    h_r1 = "h1" if "Iemand wil praten" in chats.last("h1").text else "h2"
    await chats.send(h_r1, i.Choice("helper.accept"))
    await ask(chats, "r2")
    h_r2 = "h2" if h_r1 == "h1" else "h1"
    await chats.send(h_r2, i.Choice("helper.accept"))
    await chats.send("r1", i.Text("alleen voor een"))
    await chats.send("r2", i.Text("alleen voor twee"))
    await chats.send(h_r1, i.Text("antwoord een"))
    await chats.send(h_r2, i.Text("antwoord twee"))
    assert "alleen voor een" in chats.texts(h_r1) and "alleen voor twee" not in chats.texts(h_r1)
    assert "alleen voor twee" in chats.texts(h_r2) and "alleen voor een" not in chats.texts(h_r2)
    assert "antwoord een" in chats.texts("r1") and "antwoord twee" not in chats.texts("r1")
    assert "antwoord twee" in chats.texts("r2") and "antwoord een" not in chats.texts("r2")


async def test_a_restart_ends_the_relay_for_both(chats: Chats) -> None:
    await connect(chats)
    assert chats.runner.relay is not None
    chats.runner.relay._residents.clear()  # what a new process knows of residents' chats
    await chats.runner.relay.tick()
    assert "storing" in chats.last("h1").text
    await chats.send("r1", i.Text("ben je er nog?"))
    assert "ben je er nog?" not in chats.texts("h1")
    assert "Er ging iets mis aan mijn kant" in chats.last("r1").text
