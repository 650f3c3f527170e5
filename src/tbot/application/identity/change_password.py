from __future__ import annotations

from dataclasses import replace

from tbot.application.identity.logout import end_all_sessions
from tbot.application.identity.policy import IdentityPolicy
from tbot.application.ports.clock import Clock
from tbot.application.ports.identity import FailureCounter, PasswordHasher, RevocationList
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import RateLimited, Unauthenticated
from tbot.domain.identity.caller import Caller


class ChangePassword:
    """The owner changes their password; every session, this one included, ends."""

    def __init__(
        self,
        uow: UnitOfWork,
        hasher: PasswordHasher,
        revocations: RevocationList,
        clock: Clock,
        policy: IdentityPolicy,
        failures: FailureCounter,
    ) -> None:
        self._uow = uow
        self._failures = failures
        self._hasher = hasher
        self._revocations = revocations
        self._clock = clock
        self._policy = policy

    async def __call__(self, current: str, new: str, caller: Caller) -> None:
        user_id = caller.principal.user_id
        if user_id is None:
            raise Unauthenticated("only a user has a password")
        async with self._uow:
            user = await self._uow.users.get(user_id)
            if user is None or user.password_hash is None:
                raise Unauthenticated("no password set for this account")
            # A stolen access token must not become a way to guess the password: wrong
            # answers here count towards the same lockout as failed logins.
            key = f"account:{user.login}"
            if (wait := await self._failures.locked_for(key)) > 0:
                raise RateLimited("password change", wait)
            if not await self._hasher.verify(current, user.password_hash):
                locked = await self._failures.record_failure(key, self._policy.account_lockout)
                if locked:
                    raise RateLimited("password change", locked)
                raise Unauthenticated("the current password is wrong")
            self._policy.passwords.check(new, login=user.login)
            changed = replace(
                user,
                password_hash=await self._hasher.hash(new),
                password_changed_at=self._clock.now(),
            )
            await self._uow.users.update(changed)
            await end_all_sessions(self._uow, self._revocations, user_id, self._clock)
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="user.password_changed",
                    target_type="user",
                    target_id=str(user_id),
                )
            )
            await self._uow.commit()
