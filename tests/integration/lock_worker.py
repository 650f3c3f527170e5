"""The other process of the lock tests: `python -m tests.integration.lock_worker contend ...`
runs the same contention loop as the test process; `... hold ...` takes a lock and waits to
be killed."""

from __future__ import annotations

import asyncio
import random
import sys
import time

from redis.asyncio import Redis

from tbot.adapters.redis.client import create_redis
from tbot.adapters.redis.locks import RedisLockManager
from tbot.adapters.system.clock import SystemClock

LOCK = "shared"


async def contend(redis: Redis, namespace: str, *, tasks: int, rounds: int, label: str) -> None:
    """Many tasks, each taking the lock again and again. Inside, a counter shared through
    Redis must read 1, and the time spent inside is recorded to check for overlaps."""
    locks = RedisLockManager(redis, namespace=namespace, clock=SystemClock())

    async def one() -> None:
        for _ in range(rounds):
            async with locks.hold(LOCK, ttl_s=1.0, wait_s=120):
                if await redis.incr(f"{namespace}:inside") != 1:
                    await redis.incr(f"{namespace}:overlaps")
                entered = time.time_ns()
                await asyncio.sleep(random.uniform(0, 0.003))
                left = time.time_ns()
                await redis.rpush(f"{namespace}:intervals", f"{entered} {left} {label}")
                await redis.decr(f"{namespace}:inside")

    await asyncio.gather(*(one() for _ in range(tasks)))


async def hold_until_killed(redis: Redis, namespace: str, ttl_s: float) -> None:
    locks = RedisLockManager(redis, namespace=namespace, clock=SystemClock())
    async with locks.hold(LOCK, ttl_s=ttl_s, wait_s=5):
        print("held", flush=True)
        await asyncio.Event().wait()


async def main(argv: list[str]) -> None:
    command, url, namespace = argv[:3]
    redis = create_redis(url)
    try:
        if command == "contend":
            await contend(redis, namespace, tasks=int(argv[3]), rounds=int(argv[4]), label="child")
        else:
            await hold_until_killed(redis, namespace, float(argv[3]))
    finally:
        await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
