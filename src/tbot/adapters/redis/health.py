from __future__ import annotations

import time

from redis.asyncio import Redis

from tbot.application.ports.health import DependencyState, DependencyStatus


class RedisHealthCheck:
    name = "redis"
    required = True

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def check(self) -> DependencyStatus:
        started = time.perf_counter()
        await self._redis.ping()
        latency = (time.perf_counter() - started) * 1000
        return DependencyStatus(self.name, DependencyState.UP, self.required, latency_ms=latency)
