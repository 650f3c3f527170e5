from __future__ import annotations

from redis.asyncio import Redis

from tbot.application.ports.identity import LockoutPolicy

# Counting, expiring and locking in one script: two nodes recording the last allowed failure
# at once must not both miss the threshold, and a counter must never be left without expiry.
# KEYS[1]: failure counter; KEYS[2]: lock. ARGV: window (ms), max failures, lock (ms).
# Returns 1 when this failure set the lock.
_RECORD_FAILURE = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
if count >= tonumber(ARGV[2]) then
    redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
    redis.call('DEL', KEYS[1])
    return 1
end
return 0
"""


class RedisFailureCounter:
    """Failures counted in a fixed window opened by the first one; reaching the maximum
    locks the key for `lock_s` and starts the count afresh."""

    def __init__(self, redis: Redis, *, namespace: str) -> None:
        self._redis = redis
        self._namespace = namespace
        self._record = redis.register_script(_RECORD_FAILURE)

    async def locked_for(self, key: str) -> float:
        ttl_ms = int(await self._redis.pttl(self._lock_key(key)))
        # -2: no lock; -1: a lock without expiry, which this adapter never writes.
        return ttl_ms / 1000 if ttl_ms > 0 else 0.0

    async def record_failure(self, key: str, policy: LockoutPolicy) -> float:
        locked = await self._record(
            keys=[self._fail_key(key), self._lock_key(key)],
            args=[_ms(policy.window_s), policy.max_failures, _ms(policy.lock_s)],
        )
        return policy.lock_s if int(locked) else 0.0

    async def reset(self, key: str) -> None:
        await self._redis.delete(self._fail_key(key), self._lock_key(key))

    def _fail_key(self, key: str) -> str:
        return f"{self._namespace}:fail:{key}"

    def _lock_key(self, key: str) -> str:
        return f"{self._namespace}:lock:{key}"


def _ms(seconds: float) -> int:
    # PX and PEXPIRE refuse 0; a sub-millisecond window is a configuration slip, not "forever".
    return max(1, round(seconds * 1000))
