"""Prometheus metrics of one node, on a registry of its own (tests build many apps)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
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
        self.bot_updates = Counter(
            "tbot_bot_updates",
            "Telegram updates by outcome: handled, repeat (skipped), unrecorded (to fetch again)",
            ["outcome"],
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

        # -- cluster ----------------------------------------------------------------------------
        self.is_leader = Gauge(
            "tbot_is_leader", "1 while this node holds the leader's lease", registry=self.registry
        )
        self.cluster_nodes_up = Gauge(
            "tbot_cluster_nodes_up",
            "Nodes whose heartbeat is recent, as this node last read cluster.nodes",
            registry=self.registry,
        )
        self.lease_renew_latency = Histogram(
            "tbot_lease_renew_duration_seconds",
            "Time from sending a renewal of the leader's lease to its answer",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.leadership_changes = Counter(
            "tbot_leadership_changes",
            "Times this node gained or lost the leader's lease",
            ["change"],
            registry=self.registry,
        )
        self.outbox_waiting = Gauge(
            "tbot_outbox_waiting",
            "Jobs committed to the outbox and not yet relayed to the queue (a backlog that "
            "grows means the queue is unreachable)",
            registry=self.registry,
        )
        self.fenced_writes_refused = Counter(
            "tbot_fenced_writes_refused",
            "Leader-only writes refused: by PostgreSQL (a newer fencing token had been seen) or "
            "by the writer's own clock (its lease had run out)",
            ["lease", "by"],
            registry=self.registry,
        )

    def watch_pool(self, stats: Callable[[], dict[str, int]]) -> None:
        self.registry.register(PoolCollector(stats))
