from __future__ import annotations

from redis.asyncio import Redis

from tbot.adapters.redis.ownership import COMPARE_AND_DELETE, COMPARE_AND_EXTEND, milliseconds
from tbot.application.ports.clock import Clock
from tbot.domain.cluster.lease import Lease

# KEYS[1] the lease, KEYS[2] the fencing counter; ARGV[1] the holder, ARGV[2] the TTL in ms.
# Returns the new fencing token, or 0 while someone else holds the lease.
# The lease and its token are taken in one step, so no holder ever runs without a token and
# no token is handed out without the lease. The counter never expires. If Redis lost it (a
# restart without persistence, a flush), counting again from 1 would hand out tokens that
# PostgreSQL refuses forever, so a missing counter starts at Redis's clock in microseconds:
# above every token handed out before, as long as fewer than one acquisition per microsecond
# happened since the counter was first made, and Redis's clock has not been set back.
# (Milliseconds were too coarse: two counter losses within one millisecond, as a test does,
# gave the same token twice.) About 1.8e15 today: exact in Lua's doubles and in a bigint.
_ACQUIRE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
    if redis.call('GET', KEYS[1]) ~= ARGV[1] then
        return 0
    end
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if redis.call('EXISTS', KEYS[2]) == 0 then
    local time = redis.call('TIME')
    local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
    redis.call('SET', KEYS[2], string.format('%.0f', now_us))
end
return redis.call('INCR', KEYS[2])
"""


class RedisLeaderElection:
    """Leases as Redis keys (`SET NX PX`), renewed and released only by their holder (Lua).
    Times are taken when a request is sent, by the monotonic clock of this process."""

    def __init__(self, redis: Redis, *, namespace: str, clock: Clock) -> None:
        self._redis = redis
        self._namespace = namespace
        self._clock = clock
        self._acquire = redis.register_script(_ACQUIRE)
        self._extend = redis.register_script(COMPARE_AND_EXTEND)
        self._delete = redis.register_script(COMPARE_AND_DELETE)

    def lease_key(self, name: str) -> str:
        return f"{self._namespace}:leader:{name}"

    def token_key(self, name: str) -> str:
        return f"{self._namespace}:leader:{name}:token"

    async def acquire(self, name: str, holder: str, ttl_s: float) -> Lease | None:
        sent_at = self._clock.monotonic()
        token = int(
            await self._acquire(
                keys=[self.lease_key(name), self.token_key(name)],
                args=[holder, milliseconds(ttl_s)],
            )
        )
        if token == 0:
            return None
        return Lease(name=name, holder=holder, token=token, acquired_at=sent_at, ttl_s=ttl_s)

    async def renew(self, lease: Lease) -> Lease | None:
        sent_at = self._clock.monotonic()
        extended = await self._extend(
            keys=[self.lease_key(lease.name)], args=[lease.holder, milliseconds(lease.ttl_s)]
        )
        return lease.renewed(sent_at) if int(extended) == 1 else None

    async def release(self, lease: Lease) -> bool:
        deleted = await self._delete(keys=[self.lease_key(lease.name)], args=[lease.holder])
        return int(deleted) == 1

    async def holder(self, name: str) -> str | None:
        """Who holds `name` right now, as Redis sees it."""
        value: bytes | None = await self._redis.get(self.lease_key(name))
        return value.decode() if value is not None else None
