"""Ports of identity and access."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tbot.domain.identity.credentials import ApiToken, RefreshToken
from tbot.domain.identity.roles import Role
from tbot.domain.identity.users import User
from tbot.domain.identity.verification import EmailVerification


class UserRepository(Protocol):
    async def get(self, user_id: int) -> User | None: ...

    async def by_login(self, login: str) -> User | None: ...

    async def by_email(self, email: str) -> User | None: ...

    async def by_telegram_id(self, telegram_id: int) -> User | None: ...

    async def add(self, user: User) -> User:
        """Stores a new user and returns it with id, created_at and version 1. Conflict when
        the login, email or Telegram id is taken (naming the field)."""
        ...

    async def update(self, user: User) -> User:
        """Stores changes made on `user` as loaded; Conflict if its version is stale.
        Returns the user with the version incremented."""
        ...

    async def list(self, *, limit: int = 100, after_id: int | None = None) -> list[User]: ...

    async def count_admins(self) -> int:
        """Enabled users holding the admin role: the last one may not be removed."""
        ...


class RoleRepository(Protocol):
    async def list(self) -> list[Role]: ...

    async def get(self, name: str) -> Role | None: ...

    async def save(self, role: Role) -> None:
        """Insert or replace the role and its permission set."""
        ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> RefreshToken: ...

    async def by_hash(self, token_hash: str) -> RefreshToken | None:
        """Locks the row for the rest of the transaction: two refreshes with one token
        must not both succeed."""
        ...

    async def mark_used(self, token_id: int, at: datetime) -> None: ...

    async def revoke_family(self, family_id: str, at: datetime) -> int: ...

    async def revoke_user(self, user_id: int, at: datetime) -> int: ...


class ApiTokenRepository(Protocol):
    async def add(self, token: ApiToken) -> ApiToken: ...

    async def by_prefix(self, prefix: str) -> ApiToken | None: ...

    async def get(self, token_id: int) -> ApiToken | None: ...

    async def list(self) -> list[ApiToken]: ...

    async def revoke(self, token_id: int, at: datetime) -> None: ...

    async def touch(self, token_id: int, at: datetime) -> None: ...


class VerificationRepository(Protocol):
    async def get(self, telegram_id: int) -> EmailVerification | None: ...

    async def save(self, verification: EmailVerification) -> None: ...

    async def delete(self, telegram_id: int) -> None: ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password: str, password_hash: str) -> bool: ...

    async def burn(self) -> None:
        """Spend the time of one verify, so that an unknown login answers as slowly as a
        wrong password and logins cannot be enumerated by timing."""
        ...


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    name: str
    roles: tuple[str, ...]
    permissions: tuple[str, ...]
    session_id: str  # the refresh-token family, so that logout can revoke the access token
    issued_at: datetime
    expires_at: datetime


class AccessTokenCodec(Protocol):
    def issue(self, claims: AccessClaims) -> str: ...

    def verify(self, token: str) -> AccessClaims:
        """Raises Unauthenticated for a bad signature, unknown `kid`, or expiry."""
        ...


class RevocationList(Protocol):
    """Access tokens are checked without the database; revocations go through here and
    live as long as an access token can."""

    async def revoke_session(self, session_id: str) -> None: ...

    async def revoke_user_before(self, user_id: int, at: datetime) -> None: ...

    async def is_revoked(self, claims: AccessClaims) -> bool: ...


@dataclass(frozen=True, slots=True)
class RateLimit:
    name: str
    limit: int
    period_s: float


class RateLimiter(Protocol):
    async def hit(self, key: str, rule: RateLimit) -> None:
        """Counts one call under `key`; raises RateLimited (with the wait) when over."""
        ...


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int
    window_s: float
    lock_s: float


class FailureCounter(Protocol):
    """Failed logins per key (an account, a source address), shared by all nodes."""

    async def locked_for(self, key: str) -> float:
        """Seconds left of a lockout, 0 when not locked."""
        ...

    async def record_failure(self, key: str, policy: LockoutPolicy) -> float:
        """Counts a failure; returns the lockout in seconds it triggered, else 0."""
        ...

    async def reset(self, key: str) -> None: ...


class Mailer(Protocol):
    async def send(self, to: str, subject: str, body: str) -> None: ...


class AccessGate(Protocol):
    """Admits one API request: refuses a revoked access token and counts the caller against
    its rate limit in one step, since it runs on every authenticated call. It must fail
    closed: a token whose revocation state it cannot establish is refused or checked at the
    source, never admitted on stale knowledge beyond a short, documented bound."""

    async def admit(
        self,
        claims: AccessClaims | None,
        key: str,
        rule: RateLimit | None,
        *,
        read_only: bool = False,
    ) -> None:
        """Raises Unauthenticated for revoked claims, RateLimited when over `rule`. A
        `read_only` request may be admitted on a documented bound while the store of
        revocations is unreachable (the degraded mode); others are not."""
        ...
