"""Prometheus metrics of one node, on a registry of its own (tests build many apps)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class PoolCollector(Collector):
    """Reads the SQLAlchemy pool at scrape time instead of tracking it on every checkout."""

    def __init__(self, stats: Callable[[], dict[str, int]]) -> None:
        self._stats = stats

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "tbot_db_pool_connections", "Database pool connections by state", labels=["state"]
        )
        for state, value in self._stats().items():
            family.add_metric([state], value)
        yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "tbot_http_requests",
            "HTTP requests by route template, method and status",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "tbot_http_request_duration_seconds",
            "HTTP request latency by route template",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )
        self.jobs = Counter(
            "tbot_jobs",
            "Background jobs by function and outcome",
            ["function", "outcome"],
            registry=self.registry,
        )
        self.heartbeats = Counter(
            "tbot_heartbeats",
            "Heartbeats written by this node",
            ["outcome"],
            registry=self.registry,
        )

    def watch_pool(self, stats: Callable[[], dict[str, int]]) -> None:
        self.registry.register(PoolCollector(stats))
