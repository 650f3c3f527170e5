"""The one-round-trip gate of every API call reads what the revocation list and the rate
limiter write, on a real Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from tbot.adapters.redis.access_gate import RedisAccessGate
from tbot.adapters.redis.client import create_redis
from tbot.adapters.redis.rate_limiter import RedisRateLimiter
from tbot.adapters.redis.revocations import RedisRevocationList
from tbot.application.ports.identity import AccessClaims, RateLimit
from tbot.domain.errors import RateLimited, Unauthenticated


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = create_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
def namespace() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


def claims(session: str = "s1", issued: datetime | None = None) -> AccessClaims:
    at = issued or datetime.now(UTC)
    return AccessClaims(7, "ivan", (), (), session, at, at + timedelta(minutes=15))


async def test_revoked_session_and_user_cut_off_are_refused(redis: Redis, namespace: str) -> None:
    gate = RedisAccessGate(redis, namespace=namespace)
    revocations = RedisRevocationList(redis, namespace=namespace, ttl_s=60)
    await gate.admit(claims(), "user:7", None)

    await revocations.revoke_session("s1")
    with pytest.raises(Unauthenticated):
        await gate.admit(claims("s1"), "user:7", None)
    await gate.admit(claims("s2"), "user:7", None)

    before = datetime.now(UTC)
    await revocations.revoke_user_before(7, before + timedelta(microseconds=1))
    with pytest.raises(Unauthenticated):
        await gate.admit(claims("s2", before), "user:7", None)
    await gate.admit(claims("s3", before + timedelta(seconds=1)), "user:7", None)


async def test_gate_and_limiter_share_one_budget_across_clients(
    redis: Redis, redis_url: str, namespace: str
) -> None:
    rule = RateLimit("api", limit=4, period_s=60)
    other = create_redis(redis_url)  # another process's connection
    try:
        gates = [
            RedisAccessGate(redis, namespace=namespace),
            RedisAccessGate(other, namespace=namespace),
        ]
        for n in range(3):
            await gates[n % 2].admit(claims(), "user:7", rule)
        await RedisRateLimiter(other, namespace=namespace).hit("user:7", rule)
        with pytest.raises(RateLimited) as caught:
            await gates[0].admit(claims(), "user:7", rule)
        assert 0 < caught.value.retry_after_s <= 15
    finally:
        await other.aclose()
