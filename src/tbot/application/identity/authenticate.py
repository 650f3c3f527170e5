from __future__ import annotations

from datetime import timedelta

from tbot.application.identity.credentials import api_token_prefix, same_hash
from tbot.application.ports.clock import Clock
from tbot.application.ports.identity import AccessTokenCodec, RevocationList
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.errors import Unauthenticated
from tbot.domain.identity.credentials import Principal
from tbot.domain.identity.permissions import Permission

# Recording every use would turn each API call into a write; once a minute tells enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class Authenticate:
    """Turns a bearer credential into a Principal. Access tokens (JWT) are checked without
    the database: a signature, an expiry and one Redis lookup for revocations. API tokens
    are looked up by their prefix."""

    def __init__(
        self,
        uow: UnitOfWork,
        codec: AccessTokenCodec,
        revocations: RevocationList,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._codec = codec
        self._revocations = revocations
        self._clock = clock

    async def __call__(self, bearer: str) -> Principal:
        prefix = api_token_prefix(bearer)
        if prefix is not None:
            return await self._api_token(bearer, prefix)
        claims = self._codec.verify(bearer)
        if await self._revocations.is_revoked(claims):
            raise Unauthenticated("token revoked")
        known = {p.value for p in Permission}
        return Principal(
            name=claims.name,
            permissions=frozenset(Permission(p) for p in claims.permissions if p in known),
            user_id=claims.user_id,
            roles=claims.roles,
            session_id=claims.session_id,
        )

    async def _api_token(self, bearer: str, prefix: str) -> Principal:
        now = self._clock.now()
        async with self._uow:
            token = await self._uow.api_tokens.by_prefix(prefix)
            if token is None or not same_hash(bearer, token.token_hash):
                raise Unauthenticated("unknown API token")
            if not token.usable(now):
                raise Unauthenticated("API token expired or revoked")
            assert token.id is not None
            if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
                await self._uow.api_tokens.touch(token.id, now)
                await self._uow.commit()
        return Principal(
            name=f"token:{token.name}", permissions=token.scopes, api_token_id=token.id
        )
