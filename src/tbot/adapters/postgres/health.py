from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tbot.application.ports.health import DependencyState, DependencyStatus


class PostgresHealthCheck:
    name = "database"
    required = True

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def check(self) -> DependencyStatus:
        started = time.perf_counter()
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        latency = (time.perf_counter() - started) * 1000
        return DependencyStatus(self.name, DependencyState.UP, self.required, latency_ms=latency)
