"""The access gate of every API call, answered from process memory while that is safe."""

from __future__ import annotations

import structlog
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tbot.adapters.redis.access_gate import RedisAccessGate
from tbot.adapters.redis.rate_leases import RedisRateLeases
from tbot.adapters.redis.revocation_feed import RedisRevocationFeed
from tbot.adapters.redis.revocation_mirror import RevocationMirror
from tbot.application.ports.identity import AccessClaims, RateLimit
from tbot.domain.errors import Unauthenticated

_log = structlog.get_logger("tbot.access")

# Redis unreachable, as opposed to Redis answering with an error.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)


class MirroredAccessGate:
    """Refuses revoked tokens from the process's mirror of the revocation list and counts
    the rate limit from leased permits: no Redis round trip on most requests.

    While the mirror is not trusted (the feed is starting, reconnecting, or has not heard
    from Redis lately) the request goes to RedisAccessGate, one round trip that reads the
    revocation keys themselves: a token whose revocation state is unknown here is never
    admitted on the mirror's word.

    Except for reads while Redis is unreachable: then the API keeps serving them (the
    cluster's degraded mode), judged by the mirror as it was when Redis went away. No
    revocation can be made meanwhile (revoking writes to Redis), so what the mirror can miss
    is bounded: the notices of the last trust window (0.75 s) before the outage. Rate limits
    are not counted for those reads; writes are refused (Unavailable) until Redis is back."""

    def __init__(
        self,
        mirror: RevocationMirror,
        feed: RedisRevocationFeed,
        leases: RedisRateLeases,
        fallback: RedisAccessGate,
    ) -> None:
        self._mirror = mirror
        self._feed = feed
        self._leases = leases
        self._fallback = fallback
        self._outage_logged = False

    async def admit(
        self,
        claims: AccessClaims | None,
        key: str,
        rule: RateLimit | None,
        *,
        read_only: bool = False,
    ) -> None:
        try:
            await self._admit(claims, key, rule)
        except REDIS_DOWN as error:
            if not (read_only and (claims is None or self._mirror.complete_once)):
                raise
            self._admit_in_outage(claims, error)
            return
        if self._outage_logged:
            _log.info("access_gate_redis_back")
            self._outage_logged = False

    async def _admit(self, claims: AccessClaims | None, key: str, rule: RateLimit | None) -> None:
        if claims is not None:
            # Started by the first request that needs it: a CLI command or a script that
            # never checks an access token opens no subscription.
            self._feed.start()
            if not self._mirror.live:
                await self._fallback.admit(claims, key, rule)
                return
            if self._mirror.refuses(claims):
                raise Unauthenticated("token revoked")
        if rule is not None:
            await self._leases.hit(key, rule)

    def _admit_in_outage(self, claims: AccessClaims | None, error: Exception) -> None:
        if not self._outage_logged:
            _log.warning("access_gate_serving_reads_without_redis", error=str(error))
            self._outage_logged = True
        if claims is not None and self._mirror.refuses(claims):
            raise Unauthenticated("token revoked")
