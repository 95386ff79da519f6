"""What `vrede report` and `vrede status` do: read stored figures, or a running bot's
endpoint, and print them protected. Wiring only; the rules are in disclosure.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import urllib.request
from pathlib import Path

from bot.figures import disclosure as d
from bot.figures.report import render
from bot.figures.tables import build
from bot.figures.weeks import week_of_date
from bot.store.base import FigureRow
from bot.store.wiring import DATABASE, open_stores

# Lines of the live endpoint that `vrede status` leaves out: per-bucket and creation times.
NOISE = ("#", "vrede_reply_seconds_bucket", "vrede_reply_seconds_created")


def stored(data_dir: Path, first: str, last: str, redis_url: str | None = None) -> list[FigureRow]:
    """The stored totals of weeks `first`..`last` in the bot's database (in Redis when the
    bot runs on several processes: VREDE_REDIS_URL)."""
    if redis_url is None and not (data_dir / DATABASE).exists():
        raise FileNotFoundError(2, "No database with figures", str(data_dir / DATABASE))

    async def read() -> list[FigureRow]:
        stores = open_stores(data_dir, redis_url=redis_url)
        try:
            return await stores.figures.read(first, last)
        finally:
            await stores.close()

    return asyncio.run(read())


def report(
    data_dir: Path,
    first: str,
    last: str,
    region: str | None,
    fmt: str,
    today: dt.date,
    redis_url: str | None = None,
) -> str:
    """The protected report of weeks `first`..`last` as html, csv or json."""
    rows = stored(data_dir, first, last, redis_url)
    return render(build(rows, first, last, region, today), fmt)


def live(listen: str, timeout: float = 5.0) -> str:
    """The running bot's figures from its metrics endpoint (HOST:PORT), without the noise."""
    with urllib.request.urlopen(f"http://{listen}/metrics", timeout=timeout) as resp:
        text = resp.read().decode()
    return "".join(line + "\n" for line in text.splitlines() if not line.startswith(NOISE))


def this_week(data_dir: Path, today: dt.date, redis_url: str | None = None) -> str:
    """This week's stored figures so far, all regions together, protected like the report."""
    week = week_of_date(today)
    totals: dict[str, int] = {}
    for row in stored(data_dir, week, week, redis_url):
        totals[row.figure] = totals.get(row.figure, 0) + row.value
    lines = [f"week {week} so far (<10: fewer than 10; others rounded to 5)"]
    lines += [f"{name} {d.publish(value)}" for name, value in sorted(totals.items())]
    return "\n".join(lines) + "\n"
