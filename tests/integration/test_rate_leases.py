"""Leased permits keep the rate limit cluster-wide: processes take permits from the shared
GCRA in lots and spend them locally, and together they never admit more than the rule."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from tbot.adapters.redis.client import create_redis
from tbot.adapters.redis.rate_leases import RedisRateLeases, lease_cap
from tbot.adapters.redis.rate_limiter import RedisRateLimiter
from tbot.application.ports.identity import RateLimit
from tbot.domain.errors import RateLimited


@pytest.fixture
def namespace() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[tuple[Redis, Redis]]:
    """Two clients, as two processes would have."""
    first, second = create_redis(redis_url), create_redis(redis_url)
    yield first, second
    await first.aclose()
    await second.aclose()


async def admitted(leases: RedisRateLeases, key: str, rule: RateLimit) -> bool:
    try:
        await leases.hit(key, rule)
    except RateLimited:
        return False
    return True


async def test_small_limits_lease_one_permit_so_the_next_call_is_refused(
    clients: tuple[Redis, Redis], namespace: str
) -> None:
    rule = RateLimit("api", limit=10, period_s=60)
    assert lease_cap(rule) == 1
    processes = [RedisRateLeases(c, namespace=namespace) for c in clients]
    for n in range(10):
        await processes[n % 2].hit("user:7", rule)
    for leases in processes:
        with pytest.raises(RateLimited) as refused:
            await leases.hit("user:7", rule)
        assert 0 < refused.value.retry_after_s <= 6
    assert await admitted(processes[0], "user:8", rule)  # another key, its own budget


async def test_two_processes_with_large_leases_never_admit_more_than_the_limit(
    clients: tuple[Redis, Redis], namespace: str
) -> None:
    # 500 an hour: nothing refills during the test, and leases grow to 10 permits.
    rule = RateLimit("api", limit=500, period_s=3600)
    assert lease_cap(rule) == 10
    processes = [RedisRateLeases(c, namespace=namespace) for c in clients]
    counts = [0, 0]
    refused = [False, False]
    while not all(refused):
        for n, leases in enumerate(processes):
            if await admitted(leases, "user:7", rule):
                counts[n] += 1
            else:
                refused[n] = True
    assert sum(counts) == 500
    assert min(counts) > 100  # both really served calls


async def test_concurrent_calls_share_one_lease_request(
    clients: tuple[Redis, Redis], namespace: str
) -> None:
    rule = RateLimit("api", limit=500, period_s=3600)
    leases = RedisRateLeases(clients[0], namespace=namespace)
    results = await asyncio.gather(*(admitted(leases, "user:7", rule) for _ in range(50)))
    assert all(results)
    # Leases and the per-call limiter count on one timeline: what the 50 calls took (with
    # what the last lease still holds) is gone for every other process.
    limiter = RedisRateLimiter(clients[1], namespace=namespace)
    taken = 0
    while taken < 500:
        try:
            await limiter.hit("user:7", rule)
        except RateLimited:
            break
        taken += 1
    assert 500 - 50 - lease_cap(rule) <= taken <= 450


async def test_unspent_permits_of_an_expired_lease_are_not_spent_late(
    clients: tuple[Redis, Redis], namespace: str
) -> None:
    rule = RateLimit("api", limit=500, period_s=3600)
    leases = RedisRateLeases(clients[0], namespace=namespace, lease_s=0.2)
    for _ in range(30):  # grows the lease to its cap
        await leases.hit("user:7", rule)
    await asyncio.sleep(0.3)
    other = RedisRateLeases(clients[1], namespace=namespace)
    rest = 0
    while await admitted(other, "user:7", rule):
        rest += 1
    assert not await admitted(leases, "user:7", rule)  # its old lease is gone
    assert 500 - 30 - lease_cap(rule) <= rest <= 470
