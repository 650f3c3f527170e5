"""Logs and metrics of leadership and fencing."""

from __future__ import annotations

import structlog

from tbot.adapters.observability.metrics import Metrics
from tbot.domain.cluster.errors import FencedOut, LeaseExpired
from tbot.domain.cluster.lease import Lease

_log = structlog.get_logger("tbot.cluster")


class LoggedLeadershipEvents:
    """Gains and losses are logged at warning: an operator reading the log after an incident
    wants every change of leader; renewals only count in the metrics."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._renew_failing = False
        self._campaign_failing = False

    def gained(self, lease: Lease) -> None:
        self._metrics.is_leader.set(1)
        self._metrics.leadership_changes.labels("gained").inc()
        _log.warning("leadership_gained", lease=lease.name, holder=lease.holder, token=lease.token)

    def lost(self, lease: Lease, reason: str) -> None:
        self._metrics.is_leader.set(0)
        self._metrics.leadership_changes.labels("lost").inc()
        _log.warning(
            "leadership_lost",
            lease=lease.name,
            holder=lease.holder,
            token=lease.token,
            reason=reason,
        )

    def renewed(self, lease: Lease, latency_s: float) -> None:
        self._metrics.lease_renew_latency.observe(latency_s)
        if self._renew_failing:
            _log.info("lease_renewal_recovered", lease=lease.name, token=lease.token)
        self._renew_failing = False

    def renew_failed(self, lease: Lease, error: str) -> None:
        self._renew_failing = True
        _log.warning("lease_renewal_failed", lease=lease.name, token=lease.token, error=error)

    def ran_out(self, lease: Lease) -> None:
        self._metrics.fenced_writes_refused.labels(lease.name, "own_clock").inc()
        _log.warning(
            "fenced_write_refused",
            by="own_clock",
            write="lease renewal",
            lease=lease.name,
            token=lease.token,
        )

    def campaign_failed(self, error: str) -> None:
        # Every node retries twice a second while Redis is away: say it once.
        if not self._campaign_failing:
            _log.warning("leader_campaign_failing", error=error)
        self._campaign_failing = True

    def campaign_answered(self) -> None:
        if self._campaign_failing:
            _log.info("leader_campaign_recovered")
        self._campaign_failing = False

    def subscriber_failed(self, error: str) -> None:
        _log.error("leadership_subscriber_failed", error=error)


class FencingRefusals:
    """Counts and logs every leader-only write refused: by PostgreSQL (a newer fencing token
    had been seen) or, before it got there, by the writer's own clock (its lease ran out)."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def __call__(self, refused: FencedOut) -> None:
        self._metrics.fenced_writes_refused.labels(refused.name, "postgres").inc()
        _log.warning(
            "fenced_write_refused",
            by="postgres",
            lease=refused.name,
            token=refused.token,
            newest=refused.newest,
        )

    def lease_expired(self, expired: LeaseExpired) -> None:
        self._metrics.fenced_writes_refused.labels(expired.name, "own_clock").inc()
        _log.warning(
            "fenced_write_refused", by="own_clock", lease=expired.name, token=expired.token
        )
