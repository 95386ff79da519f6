"""Fairness on Telegram: one chat sends 1,000 messages while 20 residents write ordinary lines.

The residents' reply times (p50, p99) with and without the spammer, printed side by side, on
the local fake Bot API with Telegram's pacing in the bot's outbox (30 a second, one a second
per chat). Target (issue 13): their p99 with the spammer at most 2x the p99 without. Also
printed: what the spammer got (answers, the one_by_one line, collapsed messages).

Run: .venv/bin/python bench/fairness.py [--quick]. Figures only; nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/telegram.py lives beside this file: its folder must not shadow the telegram package.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bot.content.loader import load  # noqa: E402
from bot.engine.engine import Engine  # noqa: E402
from bot.i18n.catalogs import Catalogs  # noqa: E402
from bot.runner import Runner  # noqa: E402
from bot.store.keys import Keyer  # noqa: E402
from bot.store.wiring import sqlite_stores  # noqa: E402
from bot.transports.telegram.service import Options, TelegramBot  # noqa: E402
from harness.telegram_api import FakeTelegram  # noqa: E402

TEXTS = ("/start", "1", "hallo", "2", "ok", "hulp")
SPAMMER = 777_777


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank), in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def resident(fake: FakeTelegram, chat: int, count: int) -> list[float]:
    """Writes `count` lines, each after the previous answer and a moment of reading."""
    rng = random.Random(chat)
    waits = []
    await asyncio.sleep(rng.uniform(0, 1.0))
    for n in range(count):
        reply = fake.next_reply(chat)
        sent = time.monotonic()
        fake.text(chat, TEXTS[n % len(TEXTS)])
        waits.append(await asyncio.wait_for(reply, 120) - sent)
        await asyncio.sleep(rng.uniform(0.5, 1.5))
    return waits


async def run(residents: int, lines: int, spam: int) -> tuple[list[float], dict[str, int]]:
    fake = FakeTelegram()
    await fake.start()
    loaded = load(ROOT / "dialogues")
    assert loaded.dialogue is not None
    catalogs = Catalogs.load(ROOT / "locales")
    engine = Engine(loaded.dialogue, catalogs, loaded.lexicons, loaded.detector)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            stores = sqlite_stores(Path(tmp) / "vrede.sqlite3")
            keyer = Keyer(b"bench-secret-0123456789")
            runner = Runner(engine, stores.sessions, keyer, catalogs.negotiate)
            bot = TelegramBot(runner, stores, Options(fake.token, fake.url, poll_timeout=5))
            await bot.start()
            for n in range(spam):  # the flood arrives at once, as a script would send it
                fake.text(SPAMMER, f"spam {n}")
            chats = range(10_000, 10_000 + residents)
            runs = await asyncio.gather(*(resident(fake, c, lines) for c in chats))
            await bot.stop(drain=30)
            await stores.close()
    finally:
        await fake.stop()
    one_by_one = engine.system_text("nl", "one_by_one")
    spammer = fake.bot_messages(SPAMMER, visible=False)
    got = {
        "answers": len(spammer),
        "one_by_one": sum((m.text or "").startswith(one_by_one) for m in spammer),
        "collapsed": runner.metrics.counts.get("telegram_collapsed", 0),
    }
    return [w for waits in runs for w in waits], got


async def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING)
    print(
        f"fairness: {args.residents} residents write {args.lines} lines each; "
        f"one chat sends {args.spam} messages at once"
    )
    calm, _ = await run(args.residents, args.lines, 0)
    busy, got = await run(args.residents, args.lines, args.spam)
    print(f"{'residents':28}{'p50 ms':>10}{'p99 ms':>10}{'replies':>10}")
    print(f"{'without the spammer':28}{pct(calm, 50):10.1f}{pct(calm, 99):10.1f}{len(calm):10d}")
    print(f"{'with the spammer':28}{pct(busy, 50):10.1f}{pct(busy, 99):10.1f}{len(busy):10d}")
    ratio = pct(busy, 99) / pct(calm, 99)
    print(f"{'p99 ratio (with / without)':28}{'':10}{ratio:10.2f}   target <= 2.0")
    print(
        f"the spammer got {got['answers']} messages for {args.spam} sent "
        f"({got['one_by_one']} one_by_one line, {got['collapsed']} messages collapsed)"
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--residents", type=int, default=20)
    p.add_argument("--lines", type=int, default=6)
    p.add_argument("--spam", type=int, default=1000)
    p.add_argument("--quick", action="store_true", help="a smaller run to try it out")
    a = p.parse_args()
    if a.quick:
        a.lines, a.spam = 3, 200
    asyncio.run(main(a))
