from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tbot.application.identity.authorizer import Authorizer
from tbot.application.identity.credentials import hash_token, new_api_token
from tbot.application.ports.clock import Clock
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import NotFound, PermissionDenied, ValidationFailed
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.credentials import ApiToken
from tbot.domain.identity.permissions import Permission, parse_permissions


@dataclass(frozen=True, slots=True)
class IssuedApiToken:
    token: ApiToken
    secret: str  # shown once; only its hash is stored


class CreateApiToken:
    def __init__(self, uow: UnitOfWork, authorizer: Authorizer, clock: Clock) -> None:
        self._uow = uow
        self._authorizer = authorizer
        self._clock = clock

    async def __call__(
        self,
        name: str,
        scopes: Iterable[str],
        caller: Caller,
        expires_at: datetime | None = None,
    ) -> IssuedApiToken:
        self._authorizer.require(caller, Permission.TOKENS_MANAGE)
        wanted = parse_permissions(list(scopes))
        if not name.strip():
            raise ValidationFailed({"name": "must not be empty"})
        if expires_at is not None and expires_at <= self._clock.now():
            raise ValidationFailed({"expires_at": "must be in the future"})
        beyond = wanted - caller.principal.permissions
        if beyond:
            # Nobody hands out more than they hold.
            raise PermissionDenied(f"grant {', '.join(sorted(beyond))}", caller.principal.name)
        secret, prefix = new_api_token()
        async with self._uow:
            token = await self._uow.api_tokens.add(
                ApiToken(
                    id=None,
                    name=name.strip(),
                    prefix=prefix,
                    token_hash=hash_token(secret),
                    scopes=wanted,
                    created_by=caller.principal.name,
                    expires_at=expires_at,
                )
            )
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="token.create",
                    target_type="api_token",
                    target_id=str(token.id),
                    after={"name": token.name, "prefix": prefix, "scopes": sorted(wanted)},
                )
            )
            await self._uow.commit()
        return IssuedApiToken(token, secret)


class ListApiTokens:
    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(self, caller: Caller) -> list[ApiToken]:
        self._authorizer.require(caller, Permission.TOKENS_MANAGE)
        async with self._uow:
            return await self._uow.api_tokens.list()


class RevokeApiToken:
    def __init__(self, uow: UnitOfWork, authorizer: Authorizer, clock: Clock) -> None:
        self._uow = uow
        self._authorizer = authorizer
        self._clock = clock

    async def __call__(self, token_id: int, caller: Caller) -> None:
        self._authorizer.require(caller, Permission.TOKENS_MANAGE)
        async with self._uow:
            token = await self._uow.api_tokens.get(token_id)
            if token is None:
                raise NotFound("API token", token_id)
            await self._uow.api_tokens.revoke(token_id, self._clock.now())
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="token.revoke",
                    target_type="api_token",
                    target_id=str(token_id),
                    before={"name": token.name, "prefix": token.prefix},
                )
            )
            await self._uow.commit()
