from __future__ import annotations

from redis.asyncio import Redis

from tbot.application.ports.identity import RateLimit
from tbot.domain.errors import RateLimited

# GCRA on the Redis server's clock, so nodes with skewed clocks share one timeline. Times are
# integer microseconds: exact in Lua's doubles, and written with %.0f because Lua's default
# number formatting keeps only 14 significant digits.
# KEYS[1]: the key holding the theoretical arrival time (TAT)
# ARGV[1]: emission interval T (µs); ARGV[2]: burst window, limit * T (µs)
# Returns 0 when the call is admitted, else the wait in µs before it would be.
_GCRA = """
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '') or now
if tat < now then
    tat = now
end
local new_tat = tat + interval
local wait = new_tat - burst - now
if wait > 0 then
    return wait
end
-- Once the TAT has passed the key says nothing a missing key would not: let it go.
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return 0
"""


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
        interval_us = _interval_us(rule)
        wait_us = int(
            await self._gcra(
                keys=[f"{self._namespace}:rl:{rule.name}:{key}"],
                args=[interval_us, interval_us * rule.limit],
            )
        )
        if wait_us > 0:
            raise RateLimited(rule.name, wait_us / 1_000_000)


def _interval_us(rule: RateLimit) -> int:
    if rule.limit < 1 or rule.period_s <= 0:
        raise ValueError(f"rate limit {rule.name!r} needs limit >= 1 and period_s > 0")
    return max(1, round(rule.period_s * 1_000_000 / rule.limit))
