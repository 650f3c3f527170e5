from __future__ import annotations

from tbot.application.ports.clock import Clock
from tbot.application.ports.identity import RevocationList
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import Unauthenticated
from tbot.domain.identity.caller import Caller


class Logout:
    """Ends the caller's session: its refresh tokens and its access token stop working."""

    def __init__(self, uow: UnitOfWork, revocations: RevocationList, clock: Clock) -> None:
        self._uow = uow
        self._revocations = revocations
        self._clock = clock

    async def __call__(self, caller: Caller) -> None:
        session = caller.principal.session_id
        if session is None or caller.principal.user_id is None:
            raise Unauthenticated("only a login session can log out")
        async with self._uow:
            await self._uow.refresh_tokens.revoke_family(session, self._clock.now())
            await self._revocations.revoke_session(session)
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="auth.logout",
                    target_type="user",
                    target_id=str(caller.principal.user_id),
                    after={"session": session},
                )
            )
            await self._uow.commit()


class LogoutEverywhere:
    """Ends every session of the caller's account, on every device."""

    def __init__(self, uow: UnitOfWork, revocations: RevocationList, clock: Clock) -> None:
        self._uow = uow
        self._revocations = revocations
        self._clock = clock

    async def __call__(self, caller: Caller) -> int:
        user_id = caller.principal.user_id
        if user_id is None:
            raise Unauthenticated("only a user can log out")
        async with self._uow:
            revoked = await end_all_sessions(self._uow, self._revocations, user_id, self._clock)
            await self._uow.audit.add(
                AuditEvent(
                    actor=caller.actor,
                    action="auth.logout_everywhere",
                    target_type="user",
                    target_id=str(user_id),
                    after={"revoked_tokens": revoked},
                )
            )
            await self._uow.commit()
        return revoked


async def end_all_sessions(
    uow: UnitOfWork, revocations: RevocationList, user_id: int, clock: Clock
) -> int:
    """Used wherever an account's rights or secrets change: nothing issued before now works."""
    now = clock.now()
    revoked = await uow.refresh_tokens.revoke_user(user_id, now)
    await revocations.revoke_user_before(user_id, now)
    return revoked
