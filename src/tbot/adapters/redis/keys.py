"""Key names and the GCRA script shared by the Redis adapters of identity."""

from __future__ import annotations

from tbot.application.ports.identity import RateLimit

# GCRA on the Redis server's clock, so nodes with skewed clocks share one timeline. Times are
# integer microseconds: exact in Lua's doubles, and written with %.0f because Lua's default
# number formatting keeps only 14 significant digits.
# Expects: `key` (the theoretical-arrival-time key), `interval` (T, µs), `burst` (limit * T);
# returns 0 when the call is admitted, else the wait in µs before it would be.
GCRA_BODY = """
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local tat = tonumber(redis.call('GET', key) or '') or now
if tat < now then
    tat = now
end
local new_tat = tat + interval
local wait = new_tat - burst - now
if wait > 0 then
    return wait
end
-- Once the TAT has passed the key says nothing a missing key would not: let it go.
redis.call('SET', key, string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000))
return 0
"""


def session_key(namespace: str, session_id: str) -> str:
    return f"{namespace}:revoked:session:{session_id}"


def user_key(namespace: str, user_id: int) -> str:
    return f"{namespace}:revoked:user:{user_id}"


def rate_key(namespace: str, rule: RateLimit, key: str) -> str:
    return f"{namespace}:rl:{rule.name}:{key}"


def interval_us(rule: RateLimit) -> int:
    if rule.limit < 1 or rule.period_s <= 0:
        raise ValueError(f"rate limit {rule.name!r} needs limit >= 1 and period_s > 0")
    return max(1, round(rule.period_s * 1_000_000 / rule.limit))


def revoked_pattern(namespace: str) -> str:
    """A SCAN pattern for every revocation key of the namespace, glob characters escaped."""
    escaped = "".join(f"\\{c}" if c in "*?[]\\" else c for c in namespace)
    return f"{escaped}:revoked:*"


def revocations_channel(namespace: str) -> str:
    """Every revocation is published here, so that each process can keep a local copy."""
    return f"{namespace}:revocations"
