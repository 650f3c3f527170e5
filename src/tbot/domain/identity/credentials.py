"""Credentials that are stored hashed: refresh tokens, API tokens, verification codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tbot.domain.identity.permissions import Permission


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """One link of a rotation chain. `family_id` ties every refresh token descended from one
    login: presenting a used one again means it was stolen, and the whole family dies."""

    id: int | None
    user_id: int
    family_id: str
    token_hash: str = field(repr=False)
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.used_at is None and self.revoked_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A named credential for an external system, with scopes and an optional expiry."""

    id: int | None
    name: str
    prefix: str  # shown in listings and logs; the rest of the token is never stored
    token_hash: str = field(repr=False)
    scopes: frozenset[Permission]
    created_by: str
    created_at: datetime | None = None
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as proven by a credential, and what they may do."""

    name: str
    permissions: frozenset[Permission]
    user_id: int | None = None
    api_token_id: int | None = None
    roles: tuple[str, ...] = ()
    session_id: str | None = None  # the login this access token belongs to

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions
