from __future__ import annotations

import asyncio

import structlog

from tbot.adapters.observability.metrics import Metrics
from tbot.container import Container

_log = structlog.get_logger("tbot.heartbeat")


async def beat_forever(container: Container, interval_s: float, metrics: Metrics) -> None:
    """Writes this node's row every interval; a failed beat is logged and retried next time
    (the database may be restarting), never fatal."""
    healthy = True
    while True:
        try:
            await container.record_heartbeat()()
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
        await asyncio.sleep(interval_s)
