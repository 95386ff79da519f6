"""Web chat figures: reply latency with 200 simulated residents over HTTP, for `vrede web` and
for a bare aiohttp echo endpoint in the same run, side by side; and the server's memory per
open conversation.

1. Latency: 200 residents each open the page's conversation (POST api/start) and send six
   messages (POST api/say: typed text, danger words among them), thinking 1-4 s between
   messages (--quick: 0.2-1 s). Each server runs as its own process, as `vrede web` does (the
   real dialogue, SQLite store, headers, rate limits; the limits for new conversations raised
   so the bench can open many at once); the residents run in this process. The servers take
   turns, round after round (--rounds), so that both meet the same moments of a noisy machine.
   - echo: a bare aiohttp endpoint that answers every POST with the JSON it got (the baseline;
     target: ours at most 1.2 times its latency);
   - echo+: the same, with the chat's security headers and an answer of the chat's size (what
     aiohttp costs for what the issue asks of every answer, before any turn is taken);
   - ours: `vrede web`.
   Printed as measured on localhost, and with a phone's round trip added.
2. Memory: the server's resident set size before and after opening 10,000 more conversations
   (--quick: 2,000; one greeting and one message each), divided by that number; and the
   SQLite file's growth. The server keeps a rate-limit bucket per conversation in memory; the
   session itself is in SQLite.

Run: .venv/bin/python bench/web.py [--quick]. Figures only; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RTT_MS = 30
ANSWER_SIZE = 1_650  # characters: the chat's answers to MESSAGES are 700-1,800 bytes
KINDS = ("echo", "echo+", "ours")
MESSAGES = (
    "hallo",
    "ik maak me zorgen over thuis",
    "er is veel ruzie",
    "hij heeft een mes",
    "ik zoek hulp",
    "veilig thuis",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


# ---------------------------------------------------------------------- the servers (children)
async def serve_ours(port: int, data: Path) -> None:
    from bot.app import build
    from bot.config import Settings
    from bot.content.live import settle
    from bot.transports import logs
    from bot.transports.web.options import Limits, WebOptions
    from bot.transports.web.server import serve

    settings = Settings.from_env({"VREDE_DATA_DIR": str(data), "VREDE_LOG_LEVEL": "WARNING"})
    app = build(settings)
    logs.install()
    settle()  # as `vrede web` does before it serves
    limits = Limits(starts_burst=100_000, starts_per_second=10_000.0)
    options = WebOptions.make("Informatie", "https://example.org/", "", None, 30, limits)
    await serve(app.runner, options, "127.0.0.1", port)
    await asyncio.Event().wait()


async def serve_echo(port: int, like_ours: bool) -> None:
    from bot.transports.web import headers

    answer = {"messages": [{"text": "x" * ANSWER_SIZE}]}  # the size of the chat's answers

    async def echo(request: web.Request) -> web.Response:
        got = await request.json()
        return web.json_response({**answer, **got} if like_ours else got)

    app = web.Application()
    if like_ours:
        headers.install(app, ())
    app.router.add_post("/api/start", echo)
    app.router.add_post("/api/say", echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()


class Child:
    """A server process of this file (`--serve ours|echo|echo+`)."""

    def __init__(self, kind: str, data: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, __file__, "--serve", kind, "--port", str(self.port)]
        self.proc = subprocess.Popen([*cmd, "--data", str(data)], cwd=ROOT)

    async def ready(self) -> None:
        async with aiohttp.ClientSession() as http:
            for _ in range(600):
                try:
                    async with http.post(f"{self.url}/api/start", json={}) as r:
                        await r.read()
                        return
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
        raise RuntimeError("server did not start")

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


# ---------------------------------------------------------------------- the residents
async def resident(
    http: aiohttp.ClientSession, url: str, think: tuple[float, float], out: list[float]
) -> None:
    await asyncio.sleep(random.uniform(0, think[1]))  # residents do not arrive all at once
    async with http.post(f"{url}/api/start", json={"lang": "nl"}) as r:
        token = (await r.json()).get("token", "x")
    for text in MESSAGES:
        await asyncio.sleep(random.uniform(*think))
        began = time.perf_counter()
        async with http.post(f"{url}/api/say", json={"token": token, "text": text}) as r:
            await r.read()
            assert r.status == 200, r.status
        out.append(time.perf_counter() - began)


async def latency(url: str, residents: int, think: tuple[float, float]) -> list[float]:
    out: list[float] = []
    connector = aiohttp.TCPConnector(limit=0)  # one connection per resident, like browsers
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(resident(http, url, think, out) for _ in range(residents)))
    return out


async def memory(child: Child, db: Path, count: int) -> tuple[float, float]:
    """KiB of the server's memory and bytes of the database per open conversation."""
    before, size = child.rss_kib(), db.stat().st_size if db.exists() else 0
    connector = aiohttp.TCPConnector(limit=50)
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one() -> None:
            async with http.post(f"{child.url}/api/start", json={}) as r:
                token = (await r.json())["token"]
            async with http.post(f"{child.url}/api/say", json={"token": token, "text": "hallo"}):
                pass

        await asyncio.gather(*(one() for _ in range(count)))
    await asyncio.sleep(1)
    grown = (db.stat().st_size if db.exists() else 0) - size
    return (child.rss_kib() - before) / count, grown / count


async def main(args: argparse.Namespace) -> None:
    think = (0.2, 1.0) if args.quick else (1.0, 4.0)
    opened = 2_000 if args.quick else 10_000
    rounds = args.rounds or (1 if args.quick else 2)
    results: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with tempfile.TemporaryDirectory() as tmp:
        children = {kind: Child(kind, Path(tmp) / kind) for kind in KINDS}
        try:
            for child in children.values():
                await child.ready()
                await latency(child.url, 20, (0.0, 0.05))  # warm up
            for _ in range(rounds):
                for kind, child in children.items():
                    results[kind] += await latency(child.url, args.residents, think)
            ours = children["ours"]
            per, disk = await memory(ours, Path(tmp) / "ours" / "vrede.sqlite3", opened)
        finally:
            for child in children.values():
                child.stop()
    print(f"web chat, {args.residents} residents x {len(MESSAGES)} messages over HTTP, ", end="")
    print(f"{rounds} round(s) per server, taking turns;")
    print(f"thinking {think[0]}-{think[1]} s; each server in its own process, clients here")
    print(f"{'':>10} {'ours':>9} {'echo':>9} {'ratio':>7} {'echo+':>9} {'ratio':>7}")
    for p in (50, 95, 99):
        mine, echo, plus = (pct(results[k], p) for k in ("ours", "echo", "echo+"))
        print(f"{'p' + str(p) + ' ms':>10} {mine:9.2f} {echo:9.2f} {mine / echo:7.2f}", end="")
        print(f" {plus:9.2f} {mine / plus:7.2f}")
    # What a resident feels: the same plus a phone's round trip to the server (added, not
    # simulated: the server's work does not change with it).
    print(f"the same with a {RTT_MS} ms round trip added (a phone on 4G or home wifi):")
    for p in (50, 99):
        mine, echo = pct(results["ours"], p) + RTT_MS, pct(results["echo"], p) + RTT_MS
        print(f"{'p' + str(p) + ' ms':>10} {mine:9.2f} {echo:9.2f} {mine / echo:7.2f}")
    print(
        f"memory per open conversation ({opened:,} more opened): {per:.2f} KiB of server RSS, "
        f"{disk:.0f} bytes of SQLite"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--residents", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=0, help="rounds per server (1 or 2)")
    parser.add_argument("--serve", choices=KINDS)
    parser.add_argument("--port", type=int)
    parser.add_argument("--data", type=Path)
    a = parser.parse_args()
    if a.serve == "ours":
        os.makedirs(a.data, exist_ok=True)
        asyncio.run(serve_ours(a.port, a.data))
    elif a.serve in ("echo", "echo+"):
        asyncio.run(serve_echo(a.port, a.serve == "echo+"))
    else:
        asyncio.run(main(a))
