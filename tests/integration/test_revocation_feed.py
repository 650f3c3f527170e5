"""Each process keeps its own copy of the revocation list, fed by Redis pub/sub: a revocation
reaches the other processes within a second, and one published while a process was not
listening is refused all the same (through Redis, then from the reloaded copy)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from tbot.adapters.redis.access_gate import RedisAccessGate
from tbot.adapters.redis.client import create_redis
from tbot.adapters.redis.mirrored_access_gate import MirroredAccessGate
from tbot.adapters.redis.rate_leases import RedisRateLeases
from tbot.adapters.redis.revocation_feed import RedisRevocationFeed
from tbot.adapters.redis.revocation_mirror import RevocationMirror
from tbot.adapters.redis.revocations import RedisRevocationList
from tbot.application.ports.identity import AccessClaims, RateLimit
from tbot.domain.errors import RateLimited, Unauthenticated

TRUST_S = 0.75  # the feed's default: how stale the copy may be when Redis goes quiet


@dataclass
class Process:
    """What one API process holds: its own Redis client, copy, feed and gate."""

    redis: Redis
    mirror: RevocationMirror
    feed: RedisRevocationFeed
    gate: MirroredAccessGate
    revocations: RedisRevocationList

    async def refuses(self, claims: AccessClaims) -> bool:
        try:
            await self.gate.admit(claims, f"user:{claims.user_id}", None)
        except Unauthenticated:
            return True
        return False


@pytest.fixture
def namespace() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def spawn(redis_url: str, namespace: str) -> AsyncIterator[Callable[..., Process]]:
    made: list[Process] = []

    def process(retry_s: float = 0.1) -> Process:
        redis = create_redis(redis_url)
        mirror = RevocationMirror()
        feed = RedisRevocationFeed(
            redis, mirror, namespace=namespace, node=f"node-{len(made)}", retry_s=retry_s
        )
        gate = MirroredAccessGate(
            mirror,
            feed,
            RedisRateLeases(redis, namespace=namespace),
            RedisAccessGate(redis, namespace=namespace),
        )
        revocations = RedisRevocationList(redis, namespace=namespace, ttl_s=60, mirror=mirror)
        made.append(Process(redis, mirror, feed, gate, revocations))
        return made[-1]

    yield process
    for each in made:
        await each.feed.stop()
        await each.redis.aclose()


def claims(session: str = "s1", user_id: int = 7, issued: datetime | None = None) -> AccessClaims:
    at = issued or datetime.now(UTC)
    return AccessClaims(user_id, "ivan", (), (), session, at, at + timedelta(minutes=15))


async def within(seconds: float, condition: Callable[[], Awaitable[bool] | bool]) -> float:
    """How long `condition` took to hold; fails after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        answer = condition()
        if answer if isinstance(answer, bool) else await answer:
            return time.monotonic() - started
        await asyncio.sleep(0.01)
    raise AssertionError(f"not within {seconds} s")


async def live(process: Process) -> None:
    assert await process.refuses(claims("warm-up", user_id=999)) is False  # starts the feed
    await within(3, lambda: process.mirror.live)


async def test_a_revocation_reaches_another_process_within_a_second(
    spawn: Callable[..., Process],
) -> None:
    a, b = spawn(), spawn()
    await live(a)
    await live(b)
    assert not await b.refuses(claims("s1"))

    await a.revocations.revoke_session("s1")
    assert await a.refuses(claims("s1"))  # the revoking process: from its next request
    await within(1.0, lambda: b.refuses(claims("s1")))
    assert b.mirror.live  # so the answer came from its copy, not from Redis
    assert b.mirror.refuses(claims("s1"))
    assert not await b.refuses(claims("s2"))

    cut = datetime.now(UTC)
    await a.revocations.revoke_user_before(7, cut)
    await within(1.0, lambda: b.mirror.refuses(claims("s2", issued=cut)))
    assert await b.refuses(claims("s2", issued=cut))
    assert not await b.refuses(claims("s3", issued=cut + timedelta(seconds=1)))


async def test_a_revocation_missed_while_disconnected_is_still_refused(
    spawn: Callable[..., Process],
) -> None:
    a = spawn()
    # Slow to reconnect, so that the revocation lands while it is away.
    b = spawn(retry_s=1.5)
    await live(a)
    await live(b)

    clients = await a.redis.client_list()
    (subscriber,) = [c for c in clients if c["name"] == b.feed.client_name]
    await a.redis.execute_command("CLIENT", "KILL", "ID", subscriber["id"])
    await within(TRUST_S, lambda: not b.mirror.live)

    await a.revocations.revoke_session("gone")
    assert not b.mirror.refuses(claims("gone"))  # the notice was lost to it ...
    assert await b.refuses(claims("gone"))  # ... but Redis was asked instead
    assert not await b.refuses(claims("kept"))

    await within(5, lambda: b.mirror.live)  # reconnected, subscribed, reloaded
    assert b.mirror.refuses(claims("gone"))
    assert await b.refuses(claims("gone"))


async def test_a_revocation_before_the_process_started_is_loaded(
    spawn: Callable[..., Process],
) -> None:
    a = spawn()
    cut = datetime.now(UTC)
    await a.revocations.revoke_session("old")
    await a.revocations.revoke_user_before(8, cut)

    b = spawn()
    await live(b)
    assert b.mirror.refuses(claims("old"))
    assert b.mirror.refuses(claims("other", user_id=8, issued=cut))
    assert await b.refuses(claims("old"))


async def test_the_mirrored_gate_counts_the_shared_rate_limit_exactly_for_small_limits(
    spawn: Callable[..., Process],
) -> None:
    a, b = spawn(), spawn()
    await live(a)
    await live(b)
    rule = RateLimit("api", limit=10, period_s=60)
    for n in range(10):
        await (a, b)[n % 2].gate.admit(claims(), "user:7", rule)
    for process in (a, b):
        with pytest.raises(RateLimited) as refused:
            await process.gate.admit(claims(), "user:7", rule)
        assert 0 < refused.value.retry_after_s <= 6
