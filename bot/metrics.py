"""Counters without identities: how many turns, danger screens, errors. Nothing per person.

The one place for live figures: transports and the runner call `inc(name)` with fixed words
from the code; `render()` gives the Prometheus text format through prometheus_client, from a
registry of this object's own (never the process-wide one, so two apps or tests never share
counts), and `serve()` offers it over HTTP for operators.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Histogram, generate_latest, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Always present, 0 until something happens, so that dashboards and alerts can rely on them.
ALWAYS = (
    "replies_sent",
    "updates_given_up",
    "outbox_rate_limited",
    "matrix_sync_errors",
    "reloads",  # content versions swapped in while running (content/live.py)
    "reload_failures",  # new versions refused (check errors) or failed to build
    "figures_errors",
)
RELAYS_ACTIVE = "relays_active"  # the trusted-person relay does not exist yet: 0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_NAME = re.compile(r"[^a-zA-Z0-9_]")


class Metrics:
    """Named counters and gauges, and the reply latency. Labels are fixed words, never data."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter(dict.fromkeys(ALWAYS, 0))
        self.gauges: dict[str, Callable[[], float]] = {RELAYS_ACTIVE: lambda: 0}
        self.registry = CollectorRegistry(auto_describe=True)
        self.latency = Histogram(
            "vrede_reply_seconds",
            "Time from an input reaching the runner until its replies were delivered",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_Bridge(self))

    def inc(self, name: str, by: int = 1) -> None:
        """Add to a counter."""
        self.counts[name] += by

    def gauge(self, name: str, read: Callable[[], float]) -> None:
        """A value read when the figures are rendered (say, an outbox's queue length)."""
        self.gauges[name] = read

    def observe_reply(self, seconds: float) -> None:
        """One reply's latency."""
        self.latency.observe(seconds)

    def render(self) -> str:
        """Prometheus text format."""
        return generate_latest(self.registry).decode()

    def serve(self, host: str, port: int) -> Any:
        """Serve /metrics on host:port in a thread; returns the server (`.server_port`,
        `.shutdown()`). Only these figures: never the process-wide registry."""
        server, _thread = start_http_server(port, host, registry=self.registry)
        return server


class _Bridge(Collector):
    """Presents the plain counters and gauges as Prometheus metrics at each scrape."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        for name, value in sorted(self.metrics.counts.items()):
            yield CounterMetricFamily(f"vrede_{_clean(name)}", _doc(name), value=value)
        for name, read in sorted(self.metrics.gauges.items()):
            yield GaugeMetricFamily(f"vrede_{_clean(name)}", _doc(name), value=read())


def _clean(name: str) -> str:
    return _NAME.sub("_", name)


def _doc(name: str) -> str:
    return name.replace("_", " ")
