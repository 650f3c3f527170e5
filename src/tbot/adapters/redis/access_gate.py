from __future__ import annotations

from redis.asyncio import Redis

from tbot.adapters.redis.keys import GCRA_BODY, interval_us, rate_key, session_key, user_key
from tbot.application.ports.identity import AccessClaims, RateLimit
from tbot.domain.errors import RateLimited, Unauthenticated

# KEYS: session revocation, user cut-off, rate state. ARGV: issued_at (seconds, '' when there
# are no claims), GCRA interval and burst (µs, '0' when there is no limit).
# Returns -1 for a revoked token, else the GCRA answer (0 or the wait in µs).
_ADMIT = (
    """
if ARGV[1] ~= '' then
    if redis.call('EXISTS', KEYS[1]) == 1 then
        return -1
    end
    local cut_off = tonumber(redis.call('GET', KEYS[2]) or '')
    if cut_off ~= nil and tonumber(ARGV[1]) <= cut_off then
        return -1
    end
end
if ARGV[2] == '0' then
    return 0
end
local key, interval, burst = KEYS[3], tonumber(ARGV[2]), tonumber(ARGV[3])
"""
    + GCRA_BODY
)


class RedisAccessGate:
    """The revocation check and the rate limit of one request in a single script: one round
    trip instead of two on the path of every API call. Keys are those of
    RedisRevocationList and RedisRateLimiter, so either may write what this reads."""

    def __init__(self, redis: Redis, *, namespace: str) -> None:
        self._namespace = namespace
        self._admit = redis.register_script(_ADMIT)

    async def admit(
        self,
        claims: AccessClaims | None,
        key: str,
        rule: RateLimit | None,
        *,
        read_only: bool = False,  # one round trip either way: no degraded mode here
    ) -> None:
        ns = self._namespace
        keys = [
            session_key(ns, claims.session_id) if claims else f"{ns}:none",
            user_key(ns, claims.user_id) if claims else f"{ns}:none",
            rate_key(ns, rule, key) if rule else f"{ns}:none",
        ]
        interval = interval_us(rule) if rule else 0
        args = [
            repr(claims.issued_at.timestamp()) if claims else "",
            str(interval),
            str(interval * rule.limit if rule else 0),
        ]
        answer = int(await self._admit(keys=keys, args=args))
        if answer < 0:
            raise Unauthenticated("token revoked")
        if answer > 0 and rule is not None:
            raise RateLimited(rule.name, answer / 1_000_000)
