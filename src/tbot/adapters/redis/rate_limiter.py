from __future__ import annotations

from redis.asyncio import Redis

from tbot.adapters.redis.keys import GCRA_BODY, interval_us, rate_key
from tbot.application.ports.identity import RateLimit
from tbot.domain.errors import RateLimited

_GCRA = "local key, interval, burst = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])\n" + GCRA_BODY


class RedisRateLimiter:
    """GCRA (generic cell rate algorithm) shared by every node, one atomic script per call.

    With `RateLimit(name, limit, period_s)` the emission interval is T = period_s / limit.
    Starting from rest, `limit` calls pass at once and the next one is refused; the budget then
    refills by one call every T, so the sustained rate is `limit` per `period_s` and after
    `period_s` of silence the full burst is available again. Unlike a fixed window there is no
    boundary at which 2 × limit calls slip through; any interval of length w admits at most
    limit + floor(w / T) calls. A refused call is not counted: a client hammering the limit
    does not extend its own wait. State is one key per (rule, key) holding the theoretical
    arrival time, expiring as soon as it is back at rest.
    """

    def __init__(self, redis: Redis, *, namespace: str) -> None:
        self._namespace = namespace
        self._gcra = redis.register_script(_GCRA)

    async def hit(self, key: str, rule: RateLimit) -> None:
        interval = interval_us(rule)
        wait_us = int(
            await self._gcra(
                keys=[rate_key(self._namespace, rule, key)],
                args=[interval, interval * rule.limit],
            )
        )
        if wait_us > 0:
            raise RateLimited(rule.name, wait_us / 1_000_000)
