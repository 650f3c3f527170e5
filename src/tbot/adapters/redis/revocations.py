from __future__ import annotations

from datetime import datetime

from redis.asyncio import Redis

from tbot.adapters.redis.keys import revocations_channel, session_key, user_key
from tbot.adapters.redis.revocation_mirror import RevocationMirror
from tbot.adapters.redis.revocation_notices import SessionRevoked, UserCutOff, encode_notice
from tbot.application.ports.identity import AccessClaims

# Writing and publishing in one script: a process that reloads the list after subscribing
# sees a revocation either in the keys or on the channel, never in neither.
# KEYS[1]: session key. ARGV: TTL (s), channel, notice.
_REVOKE_SESSION = """
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 0
"""

# Keeps the latest cut-off: a late, older revocation must not re-admit tokens that a newer one
# already refused. The value is compared as a number but stored as sent, since Lua would print
# it back with 14 significant digits and lose the microseconds.
# KEYS[1]: user key. ARGV: cut-off, TTL (s), channel, notice.
_REVOKE_USER = """
local current = tonumber(redis.call('GET', KEYS[1]) or '')
if current == nil or tonumber(ARGV[1]) > current then
    redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
    redis.call('EXPIRE', KEYS[1], ARGV[2])
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 0
"""


class RedisRevocationList:
    """Revoked sessions and per-user cut-offs, kept `ttl_s` (the longest an access token
    lives), after which every token they could refuse has expired anyway.

    Each revocation is also published on the namespace's channel for the mirrors of the
    other processes, and applied to this process's own mirror before Redis is asked, so that
    the revoking process refuses the token from its very next request."""

    def __init__(
        self,
        redis: Redis,
        *,
        namespace: str,
        ttl_s: int,
        mirror: RevocationMirror | None = None,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError("the revocation TTL must be positive")
        self._redis = redis
        self._namespace = namespace
        self._ttl_s = ttl_s
        self._mirror = mirror
        self._channel = revocations_channel(namespace)
        self._revoke_session = redis.register_script(_REVOKE_SESSION)
        self._revoke_user = redis.register_script(_REVOKE_USER)

    async def revoke_session(self, session_id: str) -> None:
        if self._mirror is not None:
            self._mirror.revoke_session(session_id, self._ttl_s)
        notice = encode_notice(SessionRevoked(session_id, self._ttl_s))
        await self._revoke_session(
            keys=[self._session_key(session_id)], args=[self._ttl_s, self._channel, notice]
        )

    async def revoke_user_before(self, user_id: int, at: datetime) -> None:
        """Every token of the user issued at or before `at` is refused."""
        if at.tzinfo is None:
            raise ValueError("the cut-off must be timezone-aware")
        cut_off = at.timestamp()
        if self._mirror is not None:
            self._mirror.revoke_user_before(user_id, cut_off, self._ttl_s)
        notice = encode_notice(UserCutOff(user_id, cut_off, self._ttl_s))
        await self._revoke_user(
            keys=[self._user_key(user_id)],
            args=[repr(cut_off), self._ttl_s, self._channel, notice],
        )

    async def is_revoked(self, claims: AccessClaims) -> bool:
        # One round trip, straight from Redis: the mirror serves the request path instead.
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
