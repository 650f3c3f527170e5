from __future__ import annotations

import time

from redis.asyncio import Redis

from tbot.application.ports.health import DependencyState, DependencyStatus


class RedisHealthCheck:
    """Not required: without Redis no leader can be proven (nobody polls Telegram, no
    periodic job is enqueued) but the API serves reads from PostgreSQL, so /health says
    "degraded" and answers 200, and a load balancer keeps sending reads."""

    name = "redis"
    required = False

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def check(self) -> DependencyStatus:
        started = time.perf_counter()
        await self._redis.ping()
        latency = (time.perf_counter() - started) * 1000
        return DependencyStatus(self.name, DependencyState.UP, self.required, latency_ms=latency)
