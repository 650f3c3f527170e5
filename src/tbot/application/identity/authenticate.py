from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import lru_cache

from tbot.application.identity.credentials import api_token_prefix, same_hash
from tbot.application.ports.clock import Clock
from tbot.application.ports.identity import AccessClaims, AccessGate, AccessTokenCodec, RateLimit
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.errors import Unauthenticated
from tbot.domain.identity.credentials import Principal
from tbot.domain.identity.permissions import Permission

# Recording every use would turn each API call into a write; once a minute tells enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
_KNOWN = {p.value: p for p in Permission}


class Authenticate:
    """Turns a bearer credential into a Principal and admits the request. Access tokens
    (JWT) need no database: a signature, an expiry, and the gate, which refuses revoked
    tokens and counts the rate limit (in process memory while it can vouch for it, else in
    one Redis step). API tokens are looked up by their prefix.

    Shared by every request (it holds no state of a call): the unit of work is made only on
    the API-token path, from the factory."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        codec: AccessTokenCodec,
        gate: AccessGate,
        clock: Clock,
    ) -> None:
        self._uow_factory = uow_factory
        self._codec = codec
        self._gate = gate
        self._clock = clock

    async def __call__(
        self, bearer: str, rule: RateLimit | None = None, *, read_only: bool = False
    ) -> Principal:
        prefix = api_token_prefix(bearer)
        if prefix is not None:
            principal = await self._api_token(bearer, prefix)
            key = f"token:{principal.api_token_id}"
            await self._gate.admit(None, key, rule, read_only=read_only)
            return principal
        claims = self._codec.verify(bearer)
        await self._gate.admit(claims, f"user:{claims.user_id}", rule, read_only=read_only)
        return _principal(claims)

    async def _api_token(self, bearer: str, prefix: str) -> Principal:
        now = self._clock.now()
        uow = self._uow_factory()
        async with uow:
            token = await uow.api_tokens.by_prefix(prefix)
            if token is None or not same_hash(bearer, token.token_hash):
                raise Unauthenticated("unknown API token")
            if not token.usable(now):
                raise Unauthenticated("API token expired or revoked")
            assert token.id is not None
            if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
                await uow.api_tokens.touch(token.id, now)
                await uow.commit()
        return Principal(
            name=f"token:{token.name}", permissions=token.scopes, api_token_id=token.id
        )


@lru_cache(maxsize=4096)
def _principal(claims: AccessClaims) -> Principal:
    # Claims are frozen and come back identical for every call with one token (the codec
    # caches them), so the principal is built once per token, not once per request.
    return Principal(
        name=claims.name,
        permissions=frozenset(_KNOWN[p] for p in claims.permissions if p in _KNOWN),
        user_id=claims.user_id,
        roles=claims.roles,
        session_id=claims.session_id,
    )
