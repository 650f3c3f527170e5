from __future__ import annotations

from dataclasses import dataclass

from tbot.application.identity.policy import IdentityPolicy
from tbot.application.identity.sessions import SessionIssuer, TokenPair
from tbot.application.ports.identity import FailureCounter, PasswordHasher
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import RateLimited, Unauthenticated
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.users import User

WRONG_CREDENTIALS = "wrong login or password"


@dataclass(frozen=True, slots=True)
class LoginRequest:
    login: str
    password: str = ""
    source: str = ""  # the client address, for per-address lockout


class Login:
    """Password login. Failures count per account and per source address in Redis, so a
    lockout holds on every node; an unknown login, a disabled account and a wrong password
    all answer the same, as slowly."""

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        failures: FailureCounter,
        sessions: SessionIssuer,
        policy: IdentityPolicy,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._failures = failures
        self._sessions = sessions
        self._policy = policy

    async def __call__(self, request: LoginRequest, caller: Caller) -> TokenPair:
        login = request.login.strip().lower()
        keys = (f"account:{login}", f"address:{request.source or 'unknown'}")
        await self._refuse_if_locked(keys)
        async with self._uow:
            user = await self._uow.users.by_login(login)
            if not await self._password_matches(user, request.password):
                await self._fail(login, request.source, keys, caller)
            assert user is not None
            assert user.id is not None
            await self._failures.reset(keys[0])
            pair = await self._sessions.open(self._uow, user)
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="auth.login",
                    target_type="user",
                    target_id=str(user.id),
                    after={"login": login, "source": request.source},
                )
            )
            await self._uow.commit()
        return pair

    async def _refuse_if_locked(self, keys: tuple[str, str]) -> None:
        wait = max([await self._failures.locked_for(key) for key in keys])
        if wait > 0:
            raise RateLimited("login", wait)

    async def _password_matches(self, user: User | None, password: str) -> bool:
        if user is None or user.password_hash is None:
            await self._hasher.burn()
            return False
        matches = await self._hasher.verify(password, user.password_hash)
        return matches and not user.disabled

    async def _fail(self, login: str, source: str, keys: tuple[str, str], caller: Caller) -> None:
        """Records the failure (committed: a failed login is evidence) and raises."""
        locked = max(
            await self._failures.record_failure(keys[0], self._policy.account_lockout),
            await self._failures.record_failure(keys[1], self._policy.address_lockout),
        )
        for action in (
            ("auth.login_failed", "auth.locked_out") if locked else ("auth.login_failed",)
        ):
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action=action,
                    target_type="login",
                    target_id=login,
                    after={"source": source, "locked_for_s": locked},
                )
            )
        await self._uow.commit()
        if locked:
            raise RateLimited("login", locked)
        raise Unauthenticated(WRONG_CREDENTIALS)
