from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from tbot.application.cluster.cluster_view import ClusterView
from tbot.application.ports.clock import Clock
from tbot.application.ports.health import DependencyCheck, DependencyState, DependencyStatus


@dataclass(frozen=True, slots=True)
class HealthReport:
    node_id: str
    version: str
    role: str
    dependencies: tuple[DependencyStatus, ...]
    # "leader" or "follower" on a node that campaigns for the lease; None elsewhere.
    leadership: str | None = None
    # The cluster as the heartbeats show it; None when not watched or not readable.
    cluster: ClusterView | None = None

    @property
    def failing(self) -> tuple[str, ...]:
        return tuple(
            d.name for d in self.dependencies if d.required and d.state is not DependencyState.UP
        )

    @property
    def healthy(self) -> bool:
        return not self.failing

    @property
    def status(self) -> str:
        if self.failing:
            return "fail"
        if any(d.state is DependencyState.DOWN for d in self.dependencies):
            return "degraded"
        return "ok"


class CheckHealth:
    """Runs every dependency check concurrently, each bounded by a timeout, and reuses the
    result for `cache_s` so that a load balancer polling hard does not load the database."""

    def __init__(
        self,
        checks: Sequence[DependencyCheck],
        clock: Clock,
        *,
        node_id: str,
        version: str,
        role: str,
        timeout_s: float = 2.0,
        cache_s: float = 1.0,
    ) -> None:
        self._checks = tuple(checks)
        self._clock = clock
        self._identity = (node_id, version, role)
        self._timeout_s = timeout_s
        self.cache_s = cache_s
        self._last: HealthReport | None = None
        self._last_at = float("-inf")
        self._refresh: asyncio.Future[HealthReport] | None = None
        self._view_cluster: Callable[[], Awaitable[ClusterView]] | None = None
        self._is_leader: Callable[[], bool] | None = None

    def watch_cluster(
        self, view: Callable[[], Awaitable[ClusterView]], is_leader: Callable[[], bool]
    ) -> None:
        """A node that runs the leadership loop reports its role and the cluster view."""
        self._view_cluster = view
        self._is_leader = is_leader
        self._last = None
        self._refresh = None

    def add_checks(self, checks: Sequence[DependencyCheck]) -> None:
        """Optional integrations are known only once runtime settings and secrets are read."""
        self._checks = (*self._checks, *checks)
        self._last = None
        self._refresh = None

    async def __call__(self) -> HealthReport:
        """The last report while it is fresh. Once it ages past `cache_s`, the first caller
        starts a new probe and everyone keeps getting the last report until the probe ends,
        so a load balancer never queues behind a probe; a report older than twice the window
        plus the timeout is never served: then callers wait for the probe."""
        now = self._clock.monotonic()
        if self._last is not None and now - self._last_at < self.cache_s:
            return self._last
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.ensure_future(self._probe_and_store())
        if self._last is not None and now - self._last_at < 2 * self.cache_s + self._timeout_s:
            return self._last
        return await asyncio.shield(self._refresh)

    async def _probe_and_store(self) -> HealthReport:
        report = await self._probe()
        self._last, self._last_at = report, self._clock.monotonic()
        return report

    async def _probe(self) -> HealthReport:
        cluster, statuses = await asyncio.gather(
            self._cluster(), asyncio.gather(*(self._run(check) for check in self._checks))
        )
        node_id, version, role = self._identity
        leadership = None
        if self._is_leader is not None:
            leadership = "leader" if self._is_leader() else "follower"
        return HealthReport(
            node_id,
            version,
            role,
            tuple(statuses),
            leadership,
            cluster,
        )

    async def _cluster(self) -> ClusterView | None:
        """Without the database there is no cluster view; the database check says why."""
        if self._view_cluster is None:
            return None
        try:
            return await asyncio.wait_for(self._view_cluster(), self._timeout_s)
        except Exception:
            return None

    async def _run(self, check: DependencyCheck) -> DependencyStatus:
        try:
            return await asyncio.wait_for(check.check(), self._timeout_s)
        except TimeoutError:
            return DependencyStatus(
                check.name,
                DependencyState.DOWN,
                check.required,
                f"no answer in {self._timeout_s} s",
            )
        except Exception as error:  # a failing probe is a finding, not a crash of /health
            return DependencyStatus(
                check.name, DependencyState.DOWN, check.required, type(error).__name__
            )
