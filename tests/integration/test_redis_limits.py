from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from tbot.adapters.redis.client import create_redis
from tbot.adapters.redis.failure_counter import RedisFailureCounter
from tbot.adapters.redis.rate_limiter import RedisRateLimiter
from tbot.adapters.redis.revocations import RedisRevocationList
from tbot.application.ports.identity import AccessClaims, LockoutPolicy, RateLimit
from tbot.domain.errors import RateLimited


@pytest.fixture
def namespace() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = create_redis(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def other_redis(redis_url: str) -> AsyncIterator[Redis]:
    """A second client, as another node's process would have."""
    client = create_redis(redis_url)
    yield client
    await client.aclose()


def _claims(*, user_id: int = 7, session_id: str = "s-1", issued_at: datetime) -> AccessClaims:
    return AccessClaims(
        user_id=user_id,
        name="user",
        roles=(),
        permissions=(),
        session_id=session_id,
        issued_at=issued_at,
        expires_at=issued_at + timedelta(minutes=15),
    )


# revocations


async def test_revoked_session_refuses_its_tokens_only(redis: Redis, namespace: str) -> None:
    revocations = RedisRevocationList(redis, namespace=namespace, ttl_s=60)
    now = datetime.now(UTC)
    await revocations.revoke_session("s-1")
    assert await revocations.is_revoked(_claims(session_id="s-1", issued_at=now))
    assert not await revocations.is_revoked(_claims(session_id="s-2", issued_at=now))


async def test_user_cut_off_refuses_tokens_issued_before_not_after(
    redis: Redis, namespace: str
) -> None:
    revocations = RedisRevocationList(redis, namespace=namespace, ttl_s=60)
    cut_off = datetime.now(UTC)
    await revocations.revoke_user_before(7, cut_off)
    assert await revocations.is_revoked(_claims(issued_at=cut_off - timedelta(seconds=5)))
    assert await revocations.is_revoked(_claims(issued_at=cut_off))
    # Within the same second: the cut-off keeps its microseconds.
    assert not await revocations.is_revoked(_claims(issued_at=cut_off + timedelta(milliseconds=1)))
    assert not await revocations.is_revoked(_claims(user_id=8, issued_at=cut_off - timedelta(1)))


async def test_an_older_cut_off_does_not_replace_a_newer_one(redis: Redis, namespace: str) -> None:
    revocations = RedisRevocationList(redis, namespace=namespace, ttl_s=60)
    now = datetime.now(UTC)
    await revocations.revoke_user_before(7, now)
    await revocations.revoke_user_before(7, now - timedelta(minutes=5))
    assert await revocations.is_revoked(_claims(issued_at=now - timedelta(seconds=1)))
    await revocations.revoke_user_before(7, now + timedelta(seconds=10))
    assert await revocations.is_revoked(_claims(issued_at=now + timedelta(seconds=5)))


async def test_revocations_expire_with_the_tokens(redis: Redis, namespace: str) -> None:
    revocations = RedisRevocationList(redis, namespace=namespace, ttl_s=60)
    await revocations.revoke_session("s-1")
    await revocations.revoke_user_before(7, datetime.now(UTC))
    assert 0 < await redis.ttl(f"{namespace}:revoked:session:s-1") <= 60
    assert 0 < await redis.ttl(f"{namespace}:revoked:user:7") <= 60


# rate limiter


async def test_limit_calls_pass_and_the_next_is_refused_with_a_wait(
    redis: Redis, namespace: str
) -> None:
    limiter = RedisRateLimiter(redis, namespace=namespace)
    rule = RateLimit("login", limit=5, period_s=2)
    for _ in range(5):
        await limiter.hit("10.0.0.1", rule)
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("10.0.0.1", rule)
    assert refused.value.action == "login"
    assert 0 < refused.value.retry_after_s <= 2
    await limiter.hit("10.0.0.2", rule)  # another key has its own budget


async def test_two_processes_share_one_budget(
    redis: Redis, other_redis: Redis, namespace: str
) -> None:
    first = RedisRateLimiter(redis, namespace=namespace)
    second = RedisRateLimiter(other_redis, namespace=namespace)
    rule = RateLimit("code", limit=5, period_s=2)
    for limiter in (first, second, first, second, first):
        await limiter.hit("user-1", rule)
    with pytest.raises(RateLimited):
        await second.hit("user-1", rule)
    with pytest.raises(RateLimited):
        await first.hit("user-1", rule)


async def test_after_the_wait_the_next_call_passes(redis: Redis, namespace: str) -> None:
    limiter = RedisRateLimiter(redis, namespace=namespace)
    rule = RateLimit("api", limit=5, period_s=1)
    for _ in range(5):
        await limiter.hit("k", rule)
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("k", rule)
    await asyncio.sleep(refused.value.retry_after_s + 0.02)  # + timer granularity
    await limiter.hit("k", rule)
    with pytest.raises(RateLimited):
        await limiter.hit("k", rule)


async def test_rate_limit_state_expires_once_at_rest(redis: Redis, namespace: str) -> None:
    limiter = RedisRateLimiter(redis, namespace=namespace)
    await limiter.hit("k", RateLimit("api", limit=5, period_s=1))
    assert 0 < await redis.pttl(f"{namespace}:rl:api:k") <= 200


# failure counter


async def test_reaching_max_failures_locks_for_lock_s(redis: Redis, namespace: str) -> None:
    counter = RedisFailureCounter(redis, namespace=namespace)
    policy = LockoutPolicy(max_failures=3, window_s=60, lock_s=30)
    assert await counter.locked_for("alice") == 0
    assert await counter.record_failure("alice", policy) == 0
    assert await counter.record_failure("alice", policy) == 0
    assert await counter.record_failure("alice", policy) == 30
    assert 0 < await counter.locked_for("alice") <= 30
    assert await counter.locked_for("bob") == 0


async def test_reset_clears_failures_and_lock(redis: Redis, namespace: str) -> None:
    counter = RedisFailureCounter(redis, namespace=namespace)
    policy = LockoutPolicy(max_failures=3, window_s=60, lock_s=30)
    for _ in range(3):
        await counter.record_failure("alice", policy)
    await counter.reset("alice")
    assert await counter.locked_for("alice") == 0
    await counter.record_failure("alice", policy)
    await counter.record_failure("alice", policy)
    await counter.reset("alice")
    assert await counter.record_failure("alice", policy) == 0  # counting from zero again


async def test_failures_outside_the_window_are_forgotten(redis: Redis, namespace: str) -> None:
    counter = RedisFailureCounter(redis, namespace=namespace)
    policy = LockoutPolicy(max_failures=3, window_s=1, lock_s=30)
    await counter.record_failure("alice", policy)
    await counter.record_failure("alice", policy)
    await asyncio.sleep(1.1)
    assert await counter.record_failure("alice", policy) == 0
    assert await counter.record_failure("alice", policy) == 0
    assert await counter.locked_for("alice") == 0


async def test_two_processes_count_together(
    redis: Redis, other_redis: Redis, namespace: str
) -> None:
    policy = LockoutPolicy(max_failures=4, window_s=60, lock_s=10)
    first = RedisFailureCounter(redis, namespace=namespace)
    second = RedisFailureCounter(other_redis, namespace=namespace)
    results = await asyncio.gather(
        *(counter.record_failure("10.0.0.9", policy) for counter in (first, second) * 2)
    )
    assert sorted(results) == [0, 0, 0, 10]
    assert await second.locked_for("10.0.0.9") > 0
