"""Reply latency through a real Synapse: the bot against a bare matrix-nio echo bot.

Starts a homeserver on 127.0.0.1 (installed into .test-services like the tests do), lets 50
residents talk in encrypted rooms to the bot and then to an echo bot on the same homeserver, and
prints p50/p99 side by side. Figures only: nothing here asserts a time.

    .venv/bin/python bench/matrix.py [--residents 50] [--rounds 6]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nio import (  # noqa: E402
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    LoginResponse,
    RoomMessageText,
)
from nio.store import SqliteStore  # noqa: E402

from harness.matrix_bot import BotUnderTest, Screens  # noqa: E402
from harness.matrix_resident import Resident, new_user  # noqa: E402
from harness.synapse import Synapse, started  # noqa: E402


class EchoBot:
    """The baseline: matrix-nio with encryption, joining every invite, echoing every text."""

    def __init__(self, synapse: Synapse, home: Path) -> None:
        self.user_id, self.password = new_user(synapse, "echo")
        home.mkdir(parents=True, exist_ok=True)
        config = AsyncClientConfig(encryption_enabled=True, store=SqliteStore)
        self.client = AsyncClient(synapse.url, self.user_id, store_path=str(home), config=config)
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in and sync forever in a task."""
        assert isinstance(await self.client.login(self.password), LoginResponse)
        self.client.add_event_callback(self._invite, InviteMemberEvent)
        self.client.add_event_callback(self._echo, RoomMessageText)
        await self.client.sync(timeout=0, full_state=True)
        self.task = asyncio.ensure_future(self.client.sync_forever(timeout=30000))

    async def _invite(self, room: object, event: InviteMemberEvent) -> None:
        if event.state_key == self.user_id and event.membership == "invite":
            await self.client.join(room.room_id)  # type: ignore[attr-defined]

    async def _echo(self, room: object, event: RoomMessageText) -> None:
        if event.sender != self.user_id:
            content = {"msgtype": "m.text", "body": event.body}
            await self.client.room_send(
                room.room_id,
                "m.room.message",
                content,
                ignore_unverified_devices=True,  # type: ignore[attr-defined]
            )

    async def stop(self) -> None:
        """Stop syncing and close."""
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.client.close()


async def talk(
    resident: Resident, room: str, bot: str, lines: list[str], rounds: int
) -> list[float]:
    """Send `rounds` messages one after another; the seconds until each reply arrived."""
    taken = []
    for n in range(rounds):
        before = len(resident.from_user(room, bot))
        t0 = time.monotonic()
        await resident.say(room, lines[n % len(lines)])
        reply = await resident.reply(room, bot, before, timeout=120)
        taken.append(reply.at - t0)
    return taken


def figures(samples: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[98] * 1000


async def bench(residents: int, rounds: int) -> None:
    base = Path(tempfile.mkdtemp(prefix="vrede-bench-"))
    t0 = time.monotonic()
    synapse = await asyncio.to_thread(started, base / "synapse")
    print(f"synapse ready in {time.monotonic() - t0:.1f} s ({synapse.url})")
    ours = BotUnderTest(synapse, base / "bot")
    echo = EchoBot(synapse, base / "echo")
    people = [Resident(synapse, base / f"r{n}") for n in range(residents)]
    try:
        await ours.start()
        await echo.start()
        for person in people:
            await person.__aenter__()
        assert ours.app is not None
        screen = Screens(ours.app.engine)
        # A loop through the dialogue: help, Veilig Thuis, back to the start.
        lines = [
            screen.number("start", "help"),
            screen.number("help", "vt"),
            screen.number("veilig_thuis", "start"),
        ]
        rooms = await asyncio.gather(*(p.conversation(ours.user_id, True) for p in people))
        await asyncio.gather(
            *(p.reply(r, ours.user_id, 0) for p, r in zip(people, rooms, strict=True))
        )
        echo_rooms = await asyncio.gather(*(p.open_dm(echo.user_id, True) for p in people))
        await asyncio.gather(
            *(_wait_joined(p, r, echo.user_id) for p, r in zip(people, echo_rooms, strict=True))
        )
        print(f"{residents} residents in encrypted rooms, {rounds} messages each, one at a time")

        bot_times = await _round(people, rooms, ours.user_id, lines, rounds)
        echo_times = await _round(people, echo_rooms, echo.user_id, ["ping"], rounds)
        (b50, b99), (e50, e99) = figures(bot_times), figures(echo_times)
        print(f"{'':24}{'p50 ms':>10}{'p99 ms':>10}")
        print(f"{'vrede (engine + store)':24}{b50:>10.0f}{b99:>10.0f}")
        print(f"{'bare nio echo bot':24}{e50:>10.0f}{e99:>10.0f}")
        print(f"{'ratio':24}{b50 / e50:>10.2f}{b99 / e99:>10.2f}   (target: at most 1.2)")
    finally:
        for person in people:
            await person.__aexit__()
        await echo.stop()
        await ours.stop()
        synapse.stop()


async def _round(
    people: list[Resident], rooms: list[str], bot: str, lines: list[str], rounds: int
) -> list[float]:
    runs = await asyncio.gather(
        *(talk(p, r, bot, lines, rounds) for p, r in zip(people, rooms, strict=True))
    )
    return [t for run in runs for t in run]


async def _wait_joined(person: Resident, room: str, bot: str) -> None:
    """Until the echo bot is in the room and the resident can encrypt for it."""
    await person.until(
        lambda: (
            bot in person.client.rooms[room].users
            and not person.client.rooms[room].users[bot].invited
        ),
        60,
        "echo join",
    )


def main() -> None:
    """Parse arguments and run."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--residents", type=int, default=50)
    p.add_argument("--rounds", type=int, default=6)
    args = p.parse_args()
    logging.basicConfig(level=logging.ERROR)  # nio warns about every new Olm session
    asyncio.run(bench(args.residents, args.rounds))


if __name__ == "__main__":
    main()
