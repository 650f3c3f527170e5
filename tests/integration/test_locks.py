"""Distributed locks on the real Redis, across two processes."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tbot.adapters.redis.client import create_redis
from tbot.adapters.redis.locks import RedisLockManager
from tbot.adapters.system.clock import SystemClock
from tbot.domain.cluster.errors import LockLost, LockNotAcquired
from tests.integration.lock_worker import LOCK, contend

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def namespace() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = create_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def locks(redis: Redis, namespace: str) -> RedisLockManager:
    return RedisLockManager(redis, namespace=namespace, clock=SystemClock())


async def _spawn(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.lock_worker",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


async def test_two_holders_never_overlap_across_two_processes(
    redis: Redis, redis_url: str, namespace: str
) -> None:
    tasks, rounds = 6, 20
    child = await _spawn("contend", redis_url, namespace, str(tasks), str(rounds))
    try:
        await contend(redis, namespace, tasks=tasks, rounds=rounds, label="parent")
        assert await asyncio.wait_for(child.wait(), 120) == 0
    finally:
        if child.returncode is None:
            child.kill()
    assert await redis.get(f"{namespace}:overlaps") is None
    rows = [row.decode().split() for row in await redis.lrange(f"{namespace}:intervals", 0, -1)]
    assert len(rows) == 2 * tasks * rounds
    assert {label for *_, label in rows} == {"parent", "child"}
    spans = sorted((int(entered), int(left)) for entered, left, _ in rows)
    for (_, left), (entered, _) in itertools.pairwise(spans):
        assert left <= entered


async def test_the_lock_of_a_killed_holder_is_free_after_its_ttl(
    locks: RedisLockManager, redis_url: str, namespace: str
) -> None:
    ttl = 1.5
    holder = await _spawn("hold", redis_url, namespace, str(ttl))
    try:
        assert holder.stdout is not None
        line = await asyncio.wait_for(holder.stdout.readline(), 30)
        assert line.strip() == b"held"
        held_seen = time.monotonic()
        holder.send_signal(signal.SIGKILL)
        await holder.wait()
    finally:
        if holder.returncode is None:
            holder.kill()
    with pytest.raises(LockNotAcquired):
        async with locks.hold(LOCK, ttl_s=5, wait_s=0):
            pass
    async with locks.hold(LOCK, ttl_s=5, wait_s=ttl + 2) as lock:
        acquired = time.monotonic()
        assert lock.is_held()
    # Taken on expiry: never later than the TTL after the dead holder last extended it.
    assert acquired - held_seen < ttl + 0.3


async def test_a_lock_held_longer_than_its_ttl_is_extended_and_stays_exclusive(
    locks: RedisLockManager, redis: Redis, namespace: str
) -> None:
    other = RedisLockManager(redis, namespace=namespace, clock=SystemClock())
    async with locks.hold("long", ttl_s=0.6) as lock:
        await asyncio.sleep(1.5)
        assert lock.is_held()
        with pytest.raises(LockNotAcquired):
            async with other.hold("long", ttl_s=0.6, wait_s=0.2):
                pass
        assert await redis.get(locks.key("long")) == lock.owner.encode()
    assert await redis.get(locks.key("long")) is None


async def test_waiting_ends_with_a_clear_error_when_the_lock_stays_taken(
    locks: RedisLockManager,
) -> None:
    async with locks.hold("busy", ttl_s=5):
        started = time.monotonic()
        with pytest.raises(LockNotAcquired, match=r"not acquired in 0\.3 s"):
            async with locks.hold("busy", ttl_s=5, wait_s=0.3):
                pass
        assert 0.3 <= time.monotonic() - started < 0.6


async def test_a_waiter_gets_the_lock_soon_after_it_is_released(locks: RedisLockManager) -> None:
    released_at: list[float] = []

    async def first() -> None:
        async with locks.hold("handover", ttl_s=5):
            await asyncio.sleep(0.3)
        released_at.append(time.monotonic())

    task = asyncio.create_task(first())
    await asyncio.sleep(0.05)
    async with locks.hold("handover", ttl_s=5, wait_s=3):
        got = time.monotonic()
    await task
    assert released_at
    # Waiters poll with a pause of at most 0.15 s, not the holder's TTL.
    assert got - released_at[0] < 0.2


async def test_a_lost_lock_cancels_the_protected_work(
    locks: RedisLockManager, redis: Redis
) -> None:
    finished: list[bool] = []

    async def work() -> None:
        async with locks.hold("job", ttl_s=0.6):
            await redis.delete(locks.key("job"))  # expired, or an operator removed it
            await asyncio.sleep(5)
            finished.append(True)

    started = time.monotonic()
    with pytest.raises(LockLost, match="someone else"):
        await work()
    assert not finished
    assert time.monotonic() - started < 0.6
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_the_owner_never_deletes_someone_elses_lock(
    locks: RedisLockManager, redis: Redis
) -> None:
    async def work() -> None:
        async with locks.hold("job", ttl_s=0.6):
            await redis.set(locks.key("job"), b"another-owner", px=5000)
            await asyncio.sleep(5)

    with pytest.raises(LockLost):
        await work()
    assert await redis.get(locks.key("job")) == b"another-owner"
