"""In-memory fakes of the identity ports that live outside the unit of work."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from tbot.application.ports.identity import AccessClaims, LockoutPolicy, RateLimit
from tbot.domain.errors import RateLimited, Unauthenticated
from tests.unit.fakes import FakeClock


class FakeHasher:
    """Reversible on purpose: unit tests check outcomes, not bcrypt (integration does)."""

    burned = 0

    async def hash(self, password: str) -> str:
        return f"hashed:{password}"

    async def verify(self, password: str, password_hash: str) -> bool:
        return password_hash == f"hashed:{password}"

    async def burn(self) -> None:
        self.burned += 1


class FakeCodec:
    """Unsigned but strict about expiry, like the real codec's contract."""

    def __init__(self, clock: FakeClock) -> None:
        self._clock = clock

    def issue(self, claims: AccessClaims) -> str:
        body = {
            "sub": claims.user_id,
            "name": claims.name,
            "roles": list(claims.roles),
            "perms": list(claims.permissions),
            "sid": claims.session_id,
            "iat": claims.issued_at.timestamp(),
            "exp": claims.expires_at.timestamp(),
        }
        return "fake." + base64.urlsafe_b64encode(json.dumps(body).encode()).decode()

    def verify(self, token: str) -> AccessClaims:
        if not token.startswith("fake."):
            raise Unauthenticated("malformed token")
        body = json.loads(base64.urlsafe_b64decode(token[5:]))
        expires = datetime.fromtimestamp(body["exp"], UTC)
        if self._clock.now() >= expires:
            raise Unauthenticated("token expired")
        return AccessClaims(
            user_id=body["sub"],
            name=body["name"],
            roles=tuple(body["roles"]),
            permissions=tuple(body["perms"]),
            session_id=body["sid"],
            issued_at=datetime.fromtimestamp(body["iat"], UTC),
            expires_at=expires,
        )


class FakeRevocations:
    def __init__(self) -> None:
        self.sessions: set[str] = set()
        self.user_cutoff: dict[int, datetime] = {}

    async def revoke_session(self, session_id: str) -> None:
        self.sessions.add(session_id)

    async def revoke_user_before(self, user_id: int, at: datetime) -> None:
        self.user_cutoff[user_id] = at

    async def is_revoked(self, claims: AccessClaims) -> bool:
        cutoff = self.user_cutoff.get(claims.user_id)
        return claims.session_id in self.sessions or (
            cutoff is not None and claims.issued_at <= cutoff
        )


class FakeFailureCounter:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.locks: dict[str, float] = {}

    async def locked_for(self, key: str) -> float:
        return self.locks.get(key, 0.0)

    async def record_failure(self, key: str, policy: LockoutPolicy) -> float:
        self.counts[key] = self.counts.get(key, 0) + 1
        if self.counts[key] >= policy.max_failures:
            self.locks[key] = policy.lock_s
            del self.counts[key]
            return policy.lock_s
        return 0.0

    async def reset(self, key: str) -> None:
        self.counts.pop(key, None)
        self.locks.pop(key, None)


class FakeRateLimiter:
    def __init__(self) -> None:
        self.hits: dict[str, int] = {}

    async def hit(self, key: str, rule: RateLimit) -> None:
        name = f"{rule.name}:{key}"
        self.hits[name] = self.hits.get(name, 0) + 1
        if self.hits[name] > rule.limit:
            raise RateLimited(rule.name, rule.period_s)


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []
        self.failing = False

    async def send(self, to: str, subject: str, body: str) -> None:
        if self.failing:
            raise ConnectionRefusedError("smtp down")
        self.sent.append((to, subject, body))


class FakeAccessGate:
    """Revocations and the rate limit in one step, like the Redis gate."""

    def __init__(self, revocations: FakeRevocations, limiter: FakeRateLimiter) -> None:
        self._revocations = revocations
        self._limiter = limiter

    async def admit(
        self,
        claims: AccessClaims | None,
        key: str,
        rule: RateLimit | None,
        *,
        read_only: bool = False,
    ) -> None:
        if claims is not None and await self._revocations.is_revoked(claims):
            raise Unauthenticated("token revoked")
        if rule is not None:
            await self._limiter.hit(key, rule)
