"""The access gate of every API call, answered from process memory while that is safe."""

from __future__ import annotations

from tbot.adapters.redis.access_gate import RedisAccessGate
from tbot.adapters.redis.rate_leases import RedisRateLeases
from tbot.adapters.redis.revocation_feed import RedisRevocationFeed
from tbot.adapters.redis.revocation_mirror import RevocationMirror
from tbot.application.ports.identity import AccessClaims, RateLimit
from tbot.domain.errors import Unauthenticated


class MirroredAccessGate:
    """Refuses revoked tokens from the process's mirror of the revocation list and counts
    the rate limit from leased permits: no Redis round trip on most requests.

    While the mirror is not trusted (the feed is starting, reconnecting, or has not heard
    from Redis lately) the request goes to RedisAccessGate, one round trip that reads the
    revocation keys themselves: a token whose revocation state is unknown here is never
    admitted on the mirror's word."""

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

    async def admit(self, claims: AccessClaims | None, key: str, rule: RateLimit | None) -> None:
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
