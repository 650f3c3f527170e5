from __future__ import annotations

import asyncio
import contextlib

import structlog

from tbot.adapters.observability.metrics import Metrics
from tbot.application.cluster.leadership import Leadership
from tbot.container import Container
from tbot.domain.cluster.lease import Lease

_log = structlog.get_logger("tbot.heartbeat")


async def beat_forever(
    container: Container,
    interval_s: float,
    metrics: Metrics,
    leadership: Leadership | None = None,
) -> None:
    """Writes this node's row every interval, with the leader flag and fencing token, and at
    once when leadership changes, so the cluster view follows a failover without waiting a
    beat. A failed beat is logged and retried next time (the database may be restarting),
    never fatal."""
    changed = asyncio.Event()
    if leadership is not None:

        async def on_gained(_: Lease) -> None:
            changed.set()

        async def on_lost(_: str) -> None:
            changed.set()

        leadership.subscribe(on_gained=on_gained, on_lost=on_lost)
    healthy = True
    while True:
        changed.clear()
        lease = leadership.current_lease if leadership is not None else None
        try:
            await container.record_heartbeat()(
                is_leader=lease is not None,
                fencing_token=lease.token if lease is not None else None,
            )
            metrics.cluster_nodes_up.set((await container.view_cluster()()).up)
        except Exception as error:
            metrics.heartbeats.labels("failed").inc()
            if healthy:
                _log.warning("heartbeat_failed", error=type(error).__name__, detail=str(error))
            healthy = False
        else:
            metrics.heartbeats.labels("written").inc()
            if not healthy:
                _log.info("heartbeat_recovered")
            healthy = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), interval_s)
