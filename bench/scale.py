"""Figures for running on several processes (README, "Two machines"): one, two and four
`vrede telegram` processes sharing a real redis-server, beside the baseline of one process on
SQLite, all in the same run, against the fake Bot API with Telegram's limits on.

1. Rush: `--burst` /start within one second plus `--dangers` danger phrases during it: all
   answered? 429s, sustained send rate (the cap is 30/s for the bot, however many processes),
   time until all are answered, and the wait for the acute-danger replies.
2. Latency: `--residents` residents writing `--messages` messages each, thinking between them:
   p50/p99 of the wait for an answer.
3. Takeover: two processes, the leader killed with SIGKILL: seconds until the other polls, and
   until a message written right after the kill is answered.
4. Redis round trips per turn, from redis-server's own statistics (socket reads processed: a
   Lua script or a MULTI/EXEC transaction is one); the dispatchers' blocking waits on the
   bell (BLPOP) are counted apart.

Real processes and a real server on a machine with few cores: more processes add CPU
contention here, not capacity; the point of two machines is availability (one process already
reaches most of Telegram's cap), and these figures show what sharing costs.

Run: .venv/bin/python bench/scale.py [--quick]. Figures only; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from harness.redis_server import RedisServer  # noqa: E402
from harness.telegram_api import FakeTelegram  # noqa: E402

DANGER = "hij heeft een mes"
TEXTS = ("/start", "1", "hallo", "2", "ok")


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if values else 0.0


@dataclass
class Bots:
    """`count` bot processes against `fake`, with Redis or (None) each on its own SQLite."""

    fake: FakeTelegram
    folder: Path
    redis: str | None
    count: int
    procs: list[asyncio.subprocess.Process] = field(default_factory=list)

    def env(self, n: int) -> dict[str, str]:
        env = {
            **os.environ,
            "TELEGRAM_TOKEN": self.fake.token,
            "TELEGRAM_API_URL": self.fake.url,
            "VREDE_DATA_DIR": str(self.folder / f"bot{n}"),
            "VREDE_SECRET": "bench-scale-secret-0123456789",
            "VREDE_WATCH": "off",
            "VREDE_LOG_LEVEL": "WARNING",
        }
        if self.redis:
            env["VREDE_REDIS_URL"] = self.redis
        return env

    async def start(self) -> None:
        for n in range(self.count):
            await self.start_one(n)
        await self.fake.until(lambda: self.calls("getMe") >= self.count, timeout=120)
        await asyncio.sleep(1.0)

    async def start_one(self, n: int) -> None:
        cmd = [sys.executable, "-m", "bot.cli", "telegram"]
        proc = await asyncio.create_subprocess_exec(
            *cmd, cwd=ROOT, env=self.env(n), stderr=asyncio.subprocess.DEVNULL
        )
        self.procs.append(proc)

    def calls(self, method: str) -> int:
        return sum(1 for m, _ in self.fake.calls if m == method)

    async def stop(self) -> None:
        for proc in self.procs:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                await asyncio.wait_for(proc.wait(), 30)
            except TimeoutError:
                proc.kill()


async def rush(fake: FakeTelegram, starts: int, dangers: int) -> dict[str, float]:
    chats = list(range(100_000, 100_000 + starts))
    replies = [fake.next_reply(c) for c in chats]
    began = time.monotonic()
    danger_waits = asyncio.gather(
        *(_danger(fake, 900_000 + n, began + 3.0 * n / max(1, dangers - 1)) for n in range(dangers))
    )
    for n, chat in enumerate(chats):
        fake.text(chat, "/start")
        if n % 50 == 49:
            await asyncio.sleep(max(0.0, began + (n + 1) / starts - time.monotonic()))
    arrived = await asyncio.gather(*(asyncio.wait_for(r, 600) for r in replies))
    waits = await danger_waits
    sends = sorted(t for t, _, _ in fake.sent_at)
    return {
        "answered": sum(1 for c in chats if fake.bot_messages(c)),
        "too_many": fake.too_many,
        "rate": (len(sends) - 1) / (sends[-1] - sends[0]),
        "drain": max(arrived) - began,
        "danger_p50": pct(waits, 50),
        "danger_p99": pct(waits, 99),
    }


async def _danger(fake: FakeTelegram, chat: int, at: float) -> float:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    reply = fake.next_reply(chat)
    sent = time.monotonic()
    fake.text(chat, DANGER)
    return await asyncio.wait_for(reply, 300) - sent


async def latency(fake: FakeTelegram, residents: int, count: int, think: float) -> list[float]:
    async def resident(chat: int) -> list[float]:
        rng, waits = random.Random(chat), []
        await asyncio.sleep(rng.uniform(0, think))
        for n in range(count):
            reply = fake.next_reply(chat)
            sent = time.monotonic()
            fake.text(chat, TEXTS[n % len(TEXTS)])
            waits.append(await asyncio.wait_for(reply, 60) - sent)
            await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))
        return waits

    runs = await asyncio.gather(*(resident(200_000 + n) for n in range(residents)))
    return [w for waits in runs for w in waits]


async def info(server: RedisServer, section: str) -> dict[str, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(f"INFO {section}\r\n".encode())
    await writer.drain()
    head = await reader.readline()
    body = (await reader.readexactly(int(head[1:]) + 2)).decode()
    writer.close()
    return dict(line.split(":", 1) for line in body.splitlines() if ":" in line)


async def counters(server: RedisServer) -> tuple[int, int]:
    """(socket reads redis-server processed, BLPOP calls) so far. A read is one round trip: a
    Lua script or a MULTI/EXEC transaction arrives in one."""
    reads = int((await info(server, "stats"))["total_reads_processed"])
    blpop = (await info(server, "commandstats")).get("cmdstat_blpop", "calls=0,")
    return reads, int(blpop.split("calls=")[1].split(",")[0])


def round_trips(before: tuple[int, int], after: tuple[int, int]) -> tuple[int, int]:
    """(round trips of turns, blocking waits of idle dispatchers) between two snapshots."""
    reads, blpops = after[0] - before[0], after[1] - before[1]
    return reads - blpops, blpops


async def one_setup(args: argparse.Namespace, server: RedisServer | None, count: int) -> None:
    name = f"{count} process{'es' if count > 1 else ''}, " + ("Redis" if server else "SQLite")
    fake = FakeTelegram()
    fake.rate_limits = True
    await fake.start()
    if server:
        server.flush()
    with tempfile.TemporaryDirectory() as tmp:
        bots = Bots(fake, Path(tmp), server.url if server else None, count)
        await bots.start()
        try:
            stats = await counters(server) if server else (0, 0)
            r = await rush(fake, args.burst, args.dangers)
            turns = args.burst + args.dangers
            waits = await latency(fake, args.residents, args.messages, args.think)
            turns += len(waits)
            trips, blpops = round_trips(stats, await counters(server)) if server else (0, 0)
        finally:
            await bots.stop()
            await fake.stop()
    trips_text = f"{trips / turns:6.1f}" if server else "     -"
    print(
        f"{name:24}{r['answered']:>6.0f}{r['too_many']:>6.0f}{r['rate']:>8.1f}{r['drain']:>8.1f}"
        f"{r['danger_p50']:>9.0f}{r['danger_p99']:>9.0f}{pct(waits, 50):>9.0f}{pct(waits, 99):>9.0f}"
        f"{trips_text}{blpops:>8d}"
    )


async def takeover(server: RedisServer) -> None:
    fake = FakeTelegram()
    await fake.start()
    server.flush()
    with tempfile.TemporaryDirectory() as tmp:
        bots = Bots(fake, Path(tmp), server.url, 1)
        await bots.start()  # the first is the leader
        await bots.start_one(1)
        await fake.until(lambda: bots.calls("getMe") >= 2, timeout=120)
        await asyncio.sleep(2.0)
        polls = bots.calls("getUpdates")
        bots.procs[0].send_signal(signal.SIGKILL)
        killed = time.monotonic()
        reply = fake.next_reply(4242)
        fake.text(4242, "/start")
        await fake.until(lambda: bots.calls("getUpdates") > polls, timeout=60)
        polling = time.monotonic() - killed
        answered = await asyncio.wait_for(reply, 60) - killed
        await bots.stop()
    await fake.stop()
    print(f"takeover after kill -9 of the leader: polling again after {polling:.1f} s, ", end="")
    print(f"a message written at the kill answered after {answered:.1f} s (lease 3 s)")


async def main(args: argparse.Namespace) -> None:
    print(
        f"rush: {args.burst} /start within 1 s and {args.dangers} danger phrases, Telegram's "
        f"limits on; latency: {args.residents} residents x {args.messages} messages, thinking "
        f"~{args.think:.0f} s"
    )
    head = f"{'':24}{'answ':>6}{'429':>6}{'rate/s':>8}{'drain s':>8}"
    print(
        head + f"{'dng p50':>9}{'dng p99':>9}{'lat p50':>9}{'lat p99':>9}{'rt/turn':>6}{'blpop':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        server = RedisServer(Path(tmp))
        server.start()
        try:
            await one_setup(args, None, 1)  # the baseline: the embedded default
            for count in args.processes:
                await one_setup(args, server, count)
            await takeover(server)
        finally:
            server.stop()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--burst", type=int, default=900)
    p.add_argument("--dangers", type=int, default=20)
    p.add_argument("--residents", type=int, default=100)
    p.add_argument("--messages", type=int, default=3)
    p.add_argument("--think", type=float, default=4.0)
    p.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--quick", action="store_true", help="a smaller run to try it out")
    a = p.parse_args()
    if a.quick:
        a.burst, a.dangers, a.residents, a.messages, a.think = 150, 5, 30, 2, 2.0
    asyncio.run(main(a))
