from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tbot.application.identity.credentials import hash_token, new_refresh_token, new_session_id
from tbot.application.identity.policy import IdentityPolicy
from tbot.application.ports.clock import Clock
from tbot.application.ports.identity import AccessClaims, AccessTokenCodec
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.identity.credentials import RefreshToken
from tbot.domain.identity.permissions import Permission
from tbot.domain.identity.users import User


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_at: datetime
    token_type: str = "bearer"


async def permissions_of(uow: UnitOfWork, roles: tuple[str, ...]) -> frozenset[Permission]:
    granted: set[Permission] = set()
    for name in roles:
        role = await uow.roles.get(name)
        if role is not None:
            granted |= role.permissions
    return frozenset(granted)


class SessionIssuer:
    """Opens a session (a refresh-token family) or continues one, inside the caller's unit
    of work, and signs the access token that goes with it."""

    def __init__(self, codec: AccessTokenCodec, clock: Clock, policy: IdentityPolicy) -> None:
        self._codec = codec
        self._clock = clock
        self._policy = policy

    async def open(self, uow: UnitOfWork, user: User, family_id: str | None = None) -> TokenPair:
        assert user.id is not None
        now = self._clock.now()
        refresh = new_refresh_token()
        family = family_id or new_session_id()
        stored = RefreshToken(
            id=None,
            user_id=user.id,
            family_id=family,
            token_hash=hash_token(refresh),
            issued_at=now,
            expires_at=now + self._policy.refresh_ttl,
        )
        await uow.refresh_tokens.add(stored)
        permissions = await permissions_of(uow, user.roles)
        access = self._codec.issue(
            AccessClaims(
                user_id=user.id,
                name=user.login or user.display_name,
                roles=user.roles,
                permissions=tuple(sorted(p.value for p in permissions)),
                session_id=family,
                issued_at=now,
                expires_at=now + self._policy.access_ttl,
            )
        )
        return TokenPair(
            access_token=access,
            refresh_token=refresh,
            expires_in=int(self._policy.access_ttl.total_seconds()),
            refresh_expires_at=stored.expires_at,
        )
