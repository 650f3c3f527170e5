"""Leader election on the real Redis: one leader at a time, growing fencing tokens, a quick
handover on release, a takeover only after the TTL, and a leader that steps down by its own
clock when Redis stops answering."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from redis.asyncio import Redis

from tbot.adapters.redis.client import create_redis
from tbot.adapters.redis.leader_election import RedisLeaderElection
from tbot.adapters.system.clock import SystemClock
from tbot.application.cluster.leadership import Leadership
from tbot.domain.cluster.lease import Lease
from tests.integration.redis_proxy import RedisProxy


@pytest.fixture
def namespace() -> str:
    return f"t-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def clients(redis_url: str) -> AsyncIterator[list[Redis]]:
    """One client per simulated node, as separate processes would have."""
    made: list[Redis] = []
    yield made
    for client in made:
        await client.aclose()


class Node:
    """A leadership loop with the times of its gains and losses (monotonic, this process)."""

    def __init__(self, redis: Redis, namespace: str, node_id: str, ttl_s: float, retry_s: float):
        self.events: list[tuple[str, float]] = []
        self.leadership = Leadership(
            RedisLeaderElection(redis, namespace=namespace, clock=SystemClock()),
            SystemClock(),
            node_id=node_id,
            ttl_s=ttl_s,
            retry_s=retry_s,
        )
        self.leadership.subscribe(on_gained=self._gained, on_lost=self._lost)
        self.task: asyncio.Task[None] | None = None

    async def _gained(self, lease: Lease) -> None:
        self.events.append(("gained", time.monotonic()))

    async def _lost(self, reason: str) -> None:
        self.events.append(("lost", time.monotonic()))

    def start(self) -> Node:
        self.task = asyncio.create_task(self.leadership.run())
        return self

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


async def until(condition: object, timeout: float) -> float:
    """Waits until `condition()` holds; returns the monotonic time it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return time.monotonic()
        await asyncio.sleep(0.005)
    raise AssertionError(f"not within {timeout} s")


def client(clients: list[Redis], url: str) -> Redis:
    made = create_redis(url)
    clients.append(made)
    return made


async def test_two_nodes_on_one_lease_never_lead_at_once(
    redis_url: str, namespace: str, clients: list[Redis]
) -> None:
    nodes = [
        Node(client(clients, redis_url), namespace, f"n{i}", ttl_s=1.0, retry_s=0.02).start()
        for i in range(2)
    ]
    try:
        await until(lambda: any(n.leadership.is_leader() for n in nodes), 2)
        end = time.monotonic() + 3
        while time.monotonic() < end:
            assert sum(n.leadership.is_leader() for n in nodes) == 1
            await asyncio.sleep(0.003)
    finally:
        for n in nodes:
            await n.stop()


async def test_fencing_tokens_grow_with_every_acquisition(
    redis_url: str, namespace: str, clients: list[Redis]
) -> None:
    clock = SystemClock()
    a = RedisLeaderElection(client(clients, redis_url), namespace=namespace, clock=clock)
    b = RedisLeaderElection(client(clients, redis_url), namespace=namespace, clock=clock)
    tokens: list[int] = []
    for i in range(10):
        election, holder = (a, "a") if i % 2 == 0 else (b, "b")
        lease = await election.acquire("leader", holder, 5.0)
        assert lease is not None
        tokens.append(lease.token)
        # While held, nobody else gets it, and no token is spent on trying.
        other = await (b if election is a else a).acquire("leader", "other", 5.0)
        assert other is None
        assert await election.release(lease)
    assert all(x < y for x, y in itertools.pairwise(tokens))
    assert tokens == list(range(tokens[0], tokens[0] + 10))


async def test_a_lost_token_counter_starts_above_every_token_handed_out_before(
    redis_url: str, namespace: str, clients: list[Redis]
) -> None:
    redis = client(clients, redis_url)
    election = RedisLeaderElection(redis, namespace=namespace, clock=SystemClock())
    first = await election.acquire("leader", "a", 5.0)
    assert first is not None
    await election.release(first)
    await redis.delete(election.token_key("leader"))  # Redis restarted without its data
    second = await election.acquire("leader", "b", 5.0)
    assert second is not None
    assert second.token > first.token


async def test_only_the_holder_renews_or_releases(
    redis_url: str, namespace: str, clients: list[Redis]
) -> None:
    redis = client(clients, redis_url)
    election = RedisLeaderElection(redis, namespace=namespace, clock=SystemClock())
    lease = await election.acquire("leader", "a", 0.3)
    assert lease is not None
    await asyncio.sleep(0.4)  # expired in Redis
    taken = await election.acquire("leader", "b", 5.0)
    assert taken is not None
    assert await election.renew(lease) is None
    assert not await election.release(lease)
    assert await election.holder("leader") == "b"


async def test_a_released_lease_is_taken_at_the_next_try_not_after_the_ttl(
    redis_url: str, namespace: str, clients: list[Redis]
) -> None:
    ttl = 5.0
    first = Node(client(clients, redis_url), namespace, "n1", ttl_s=ttl, retry_s=0.05).start()
    await until(first.leadership.is_leader, 2)
    second = Node(client(clients, redis_url), namespace, "n2", ttl_s=ttl, retry_s=0.05).start()
    try:
        await asyncio.sleep(0.3)
        assert not second.leadership.is_leader()
        stopped = time.monotonic()
        await first.stop()
        took_over = await until(second.leadership.is_leader, ttl)
        assert took_over - stopped < 0.5
    finally:
        await first.stop()
        await second.stop()


async def test_a_holder_that_stops_renewing_is_replaced_after_the_ttl_and_not_before(
    redis_url: str, namespace: str, clients: list[Redis]
) -> None:
    ttl = 1.5
    paused = RedisLeaderElection(
        client(clients, redis_url), namespace=namespace, clock=SystemClock()
    )
    # A paused process: it took the lease, then renews nothing and releases nothing.
    lease = await paused.acquire("leader", "paused#1", ttl)
    assert lease is not None
    taken_at = time.monotonic()
    other = Node(client(clients, redis_url), namespace, "n2", ttl_s=ttl, retry_s=0.05).start()
    try:
        took_over = await until(other.leadership.is_leader, ttl + 2)
        assert took_over - taken_at >= ttl - 0.05  # Redis expires keys within a millisecond
        assert took_over - taken_at < ttl + 0.5
        new_lease = other.leadership.current_lease
        assert new_lease is not None
        assert new_lease.token > lease.token
    finally:
        await other.stop()


def _through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = f"127.0.0.1:{port}"
    if parts.password:
        netloc = f":{parts.password}@{netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def test_a_leader_whose_redis_hangs_steps_down_by_its_own_clock_before_the_ttl(
    redis_url: str, namespace: str, clients: list[Redis]
) -> None:
    ttl = 1.5
    parts = urlsplit(redis_url)
    proxy = RedisProxy(parts.hostname or "127.0.0.1", parts.port or 6379)
    await proxy.start()
    leader = Node(
        client(clients, _through(redis_url, proxy.port)), namespace, "n1", ttl_s=ttl, retry_s=0.05
    ).start()
    follower: Node | None = None
    try:
        await until(leader.leadership.is_leader, 2)
        follower = Node(client(clients, redis_url), namespace, "n2", ttl_s=ttl, retry_s=0.02)
        follower.start()
        await asyncio.sleep(0.6)  # a renewal or two went through
        lease = leader.leadership.current_lease
        assert lease is not None
        proxy.freeze()
        frozen_at = time.monotonic()
        stepped_down = await until(lambda: not leader.leadership.is_leader(), ttl + 1)
        took_over = await until(follower.leadership.is_leader, ttl + 2)
        # The old leader gave up before the new one could start, and before its TTL.
        assert stepped_down < took_over
        assert stepped_down - frozen_at < ttl
        assert leader.events[-1][0] == "lost"
    finally:
        await leader.stop()
        if follower is not None:
            await follower.stop()
        await proxy.close()
