from __future__ import annotations

from datetime import datetime

from redis.asyncio import Redis

from tbot.adapters.redis.keys import session_key, user_key
from tbot.application.ports.identity import AccessClaims

# Keeps the latest cut-off: a late, older revocation must not re-admit tokens that a newer one
# already refused. The value is compared as a number but stored as sent, since Lua would print
# it back with 14 significant digits and lose the microseconds.
_REVOKE_USER = """
local current = tonumber(redis.call('GET', KEYS[1]) or '')
if current == nil or tonumber(ARGV[1]) > current then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
    redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


class RedisRevocationList:
    """Revoked sessions and per-user cut-offs, kept `ttl_s` (the longest an access token
    lives), after which every token they could refuse has expired anyway."""

    def __init__(self, redis: Redis, *, namespace: str, ttl_s: int) -> None:
        if ttl_s <= 0:
            raise ValueError("the revocation TTL must be positive")
        self._redis = redis
        self._namespace = namespace
        self._ttl_s = ttl_s
        self._revoke_user = redis.register_script(_REVOKE_USER)

    async def revoke_session(self, session_id: str) -> None:
        await self._redis.set(self._session_key(session_id), b"1", ex=self._ttl_s)

    async def revoke_user_before(self, user_id: int, at: datetime) -> None:
        """Every token of the user issued at or before `at` is refused."""
        if at.tzinfo is None:
            raise ValueError("the cut-off must be timezone-aware")
        cut_off = repr(at.timestamp())
        await self._revoke_user(keys=[self._user_key(user_id)], args=[cut_off, self._ttl_s])

    async def is_revoked(self, claims: AccessClaims) -> bool:
        # One round trip: this runs on every authenticated request.
        session, cut_off = await self._redis.mget(
            self._session_key(claims.session_id), self._user_key(claims.user_id)
        )
        if session is not None:
            return True
        return cut_off is not None and claims.issued_at.timestamp() <= float(cut_off)

    def _session_key(self, session_id: str) -> str:
        return session_key(self._namespace, session_id)

    def _user_key(self, user_id: int) -> str:
        return user_key(self._namespace, user_id)
