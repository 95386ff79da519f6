"""Live health for operators: the Metrics counters through prometheus_client, over HTTP."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable

from bot.engine import inputs as i
from bot.engine.replies import Reply
from bot.metrics import Metrics
from bot.runner import Runner
from bot.transports.outbox import Outbox


def fetch(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        return str(resp.read().decode())


def sample(text: str, name: str) -> float:
    """The value of one sample line of the Prometheus text format."""
    line = next(ln for ln in text.splitlines() if ln.startswith(name + " "))
    return float(line.split()[1])


async def quiet(replies: tuple[Reply, ...]) -> None:
    pass


async def test_the_endpoint_serves_replies_latency_and_fixed_figures(
    make_runner: Callable[..., Runner],
) -> None:
    runner = make_runner()
    await runner.handle("telegram", 1, i.Start(), quiet)
    await runner.handle("telegram", 1, i.Text("hij zegt dat hij me vermoordt"), quiet)
    server = runner.metrics.serve("127.0.0.1", 0)  # a random free port on loopback
    try:
        text = fetch(server.server_port)
    finally:
        server.shutdown()
        server.server_close()
    assert sample(text, "vrede_replies_sent_total") == 2
    assert sample(text, "vrede_reply_seconds_count") == 2, "one latency per handled input"
    assert sample(text, "vrede_danger_screens_total") == 1
    for always in ("reloads_total", "updates_given_up_total", "outbox_rate_limited_total"):
        assert sample(text, f"vrede_{always}") == 0, always
    assert sample(text, "vrede_relays_active") == 0, "no relay exists yet"
    assert "# TYPE vrede_reply_seconds histogram" in text


def test_every_app_has_its_own_registry() -> None:
    one, two = Metrics(), Metrics()
    one.inc("turns", 3)
    assert sample(one.render(), "vrede_turns_total") == 3
    assert "vrede_turns_total" not in two.render()


async def test_the_outbox_reports_its_queue_and_429s() -> None:
    metrics = Metrics()

    class TooMany(Exception):
        retry_after = 1.0

    outbox = Outbox(lambda exc, attempt: None, metrics=metrics)
    outbox._retry_delay(TooMany(), 0)
    text = metrics.render()
    await outbox.close()
    assert sample(text, "vrede_outbox_rate_limited_total") == 1
    assert sample(text, "vrede_outbox_pending") == 0
