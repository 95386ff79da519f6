"""The relay tests' recording transport and steps: a chat per person, enrol, ask, connect."""

from __future__ import annotations

from collections import defaultdict

from bot.engine import inputs as i
from bot.engine.replies import Erase, Message, Reply
from bot.runner import Deliver, Runner
from bot.store.keys import Keyer

P = "test"  # the platform of the recording transport
CANARY = "kanarie-7731 mijn naam is Fatma"
SECRET = b"relay-test-secret-0123456789"


class Chats:
    """A transport that records what each chat got (and clears a chat on Erase)."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.got: dict[str, list[Reply]] = defaultdict(list)

    def deliver(self, chat: str) -> Deliver:
        async def deliver(replies: tuple[Reply, ...]) -> None:
            for r in replies:
                if isinstance(r, Erase):
                    self.got[chat] = [m for m in self.got[chat] if not isinstance(m, Message)]
                self.got[chat].append(r)

        return deliver

    async def send(self, chat: str, inp: i.Input) -> None:
        await self.runner.handle(P, chat, inp, self.deliver(chat), "nl")

    def last(self, chat: str) -> Message:
        return [m for m in self.got[chat] if isinstance(m, Message)][-1]

    def texts(self, chat: str) -> str:
        return "\n".join(m.text for m in self.got[chat] if isinstance(m, Message))


PEOPLE = """
trusted_persons:
  samira:
    name: Samira
    languages: [nl, ar]
    regions: [twente]
    phone: 06-00000002
    hours: ["mo-fr 09:00-17:00"]
    code: S4M1
  kasia:
    name: Kasia
    languages: [nl, pl]
    regions: [ijsselland]
    phone: 06-00000006
    hours: ["mo-sa 09:00-18:00"]
    code: K4S1
"""


def keyer() -> Keyer:
    return Keyer(SECRET)


async def enrol(c: Chats, person: str, chat: str, available: bool = True) -> None:
    assert c.runner.relay is not None
    code = await c.runner.relay.invite(person)
    await c.send(chat, i.Text(code))
    assert "gekoppeld als vertrouwenspersoon" in c.last(chat).text
    if available:
        await c.send(chat, i.Choice("helper.available"))
        assert "beschikbaar" in c.last(chat).text


async def ask(c: Chats, chat: str) -> None:
    await c.send(chat, i.Start())
    await c.send(chat, i.Command("help"))
    await c.send(chat, i.Choice("talk"))


async def connect(c: Chats, resident: str = "r1", helper: str = "h1") -> None:
    await enrol(c, "samira", helper)
    await ask(c, resident)
    assert "Ik zoek iemand voor je" in c.last(resident).text
    await c.send(helper, i.Choice("helper.accept"))
    assert "is er nu voor je" in c.last(resident).text
