"""Rate limiting from leases: permits taken from the cluster-wide GCRA in small lots."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis.asyncio import Redis

from tbot.adapters.redis.keys import interval_us, rate_key
from tbot.application.ports.identity import RateLimit
from tbot.domain.errors import RateLimited

# GCRA for up to ARGV[3] calls at once, on the Redis server's clock (see keys.GCRA_BODY, of
# which this is the n-call form: with n = 1 it admits and refuses exactly the same calls).
# KEYS[1]: the theoretical-arrival-time key. ARGV: interval T, burst (limit * T), wanted n.
# Returns {granted, wait}: granted >= 1 permits now counted, or 0 and the wait in µs before
# one would be.
_LEASE = """
local key, interval, burst = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', key) or '') or now
if tat < now then
    tat = now
end
local available = math.floor((now + burst - tat) / interval)
if available < 1 then
    return {0, tat + interval - burst - now}
end
local granted = math.min(tonumber(ARGV[3]), available)
local new_tat = tat + granted * interval
redis.call('SET', key, string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return {granted, 0}
"""

LEASE_S = 1.0  # the longest a process keeps permits it has not spent
MAX_LEASE = 1000
# A lease holds at most 1/LEASE_SHARE of a rule's budget, so rules under 2 * LEASE_SHARE
# calls per period lease one permit at a time: exact, as without leases.
LEASE_SHARE = 50


def lease_cap(rule: RateLimit) -> int:
    """The largest lease for `rule`: 1 (exact counting) for small limits."""
    return max(1, min(rule.limit // LEASE_SHARE, MAX_LEASE))


@dataclass(slots=True)
class _Lease:
    size: int  # permits granted
    left: int
    expires: float  # monotonic

    def spent_in_time(self, now: float) -> bool:
        return self.left == 0 and now < self.expires


class RedisRateLeases:
    """Counts calls against the cluster-wide GCRA of RedisRateLimiter (same keys, same
    timeline) without a Redis round trip per call.

    A process takes a lease of n permits for a (rule, key) in one atomic script and spends
    it locally for at most LEASE_S; then it takes another. Each permit is counted in Redis
    when leased, so the cluster never admits more than the rule allows, only shifted by at
    most LEASE_S; the cost is that permits leased by one process are not usable by another
    while its lease runs, and those left when it expires are lost (the budget refills them
    at the rule's rate). To keep that loss small, a lease is sized by demand: one permit
    for a key not seen before or idle, twice the last lease when it ran out early, the
    number actually spent when it expired; never above lease_cap(rule). A key calling
    slowly thus costs one round trip per call, as before, and a hot key one per lease.

    Concurrent calls for one key wait for a single lease request instead of each sending
    its own."""

    def __init__(
        self,
        redis: Redis,
        *,
        namespace: str,
        lease_s: float = LEASE_S,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self._namespace = namespace
        self._lease_s = lease_s
        self._clock = clock
        self._max_keys = max_keys
        self._script = redis.register_script(_LEASE)
        self._leases: dict[str, _Lease] = {}
        self._requests: dict[str, asyncio.Future[None]] = {}

    async def hit(self, key: str, rule: RateLimit) -> None:
        """Counts one call; raises RateLimited (with the wait) when the budget is spent."""
        slot = rate_key(self._namespace, rule, key)
        while True:
            lease = self._leases.get(slot)
            if lease is not None and lease.left > 0 and self._clock() < lease.expires:
                lease.left -= 1
                return
            request = self._requests.get(slot)
            if request is None:
                request = asyncio.ensure_future(self._take(slot, rule, lease))
                self._requests[slot] = request
                request.add_done_callback(lambda done: self._settled(slot, done))
            # Shielded: a caller that goes away must not cancel the lease others wait for.
            await asyncio.shield(request)

    def _settled(self, slot: str, request: asyncio.Future[None]) -> None:
        self._requests.pop(slot, None)
        if not request.cancelled():
            request.exception()  # retrieved here too, should every waiter have gone

    async def _take(self, slot: str, rule: RateLimit, previous: _Lease | None) -> None:
        wanted = self._next_size(rule, previous)
        interval = interval_us(rule)
        granted, wait_us = (
            int(n)
            for n in await self._script(keys=[slot], args=[interval, interval * rule.limit, wanted])
        )
        if granted < 1:
            raise RateLimited(rule.name, wait_us / 1_000_000)
        if len(self._leases) >= self._max_keys:
            self._forget_expired()
        lease_s = min(self._lease_s, rule.period_s)
        self._leases[slot] = _Lease(granted, granted, self._clock() + lease_s)

    def _next_size(self, rule: RateLimit, previous: _Lease | None) -> int:
        if previous is None:
            return 1
        if previous.spent_in_time(self._clock()):
            return min(previous.size * 2, lease_cap(rule))
        return max(1, min(previous.size - previous.left, lease_cap(rule)))

    def _forget_expired(self) -> None:
        now = self._clock()
        self._leases = {slot: lease for slot, lease in self._leases.items() if now < lease.expires}
