from __future__ import annotations

from tbot.application.identity.credentials import hash_token
from tbot.application.identity.sessions import SessionIssuer, TokenPair
from tbot.application.ports.clock import Clock
from tbot.application.ports.identity import RevocationList
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import Unauthenticated
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.credentials import RefreshToken


class RefreshSession:
    """Trades a refresh token for a new pair; the old one is spent. A spent token presented
    again means two parties hold it: the whole session family is revoked."""

    def __init__(
        self,
        uow: UnitOfWork,
        sessions: SessionIssuer,
        revocations: RevocationList,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._sessions = sessions
        self._revocations = revocations
        self._clock = clock

    async def __call__(self, refresh_token: str, caller: Caller) -> TokenPair:
        now = self._clock.now()
        async with self._uow:
            row = await self._uow.refresh_tokens.by_hash(hash_token(refresh_token))
            if row is None:
                raise Unauthenticated("unknown refresh token")
            if row.used_at is not None and row.revoked_at is None:
                await self._revoke_stolen_family(row, caller)
            if not row.usable(now):
                raise Unauthenticated("refresh token expired, used or revoked")
            user = await self._uow.users.get(row.user_id)
            if user is None or user.disabled:
                raise Unauthenticated("account disabled")
            assert row.id is not None
            await self._uow.refresh_tokens.mark_used(row.id, now)
            pair = await self._sessions.open(self._uow, user, family_id=row.family_id)
            await self._uow.commit()
        return pair

    async def _revoke_stolen_family(self, row: RefreshToken, caller: Caller) -> None:
        revoked = await self._uow.refresh_tokens.revoke_family(row.family_id, self._clock.now())
        await self._revocations.revoke_session(row.family_id)
        await self._uow.audit.add(
            AuditEvent(
                actor=caller.actor,
                action="auth.refresh_reuse",
                target_type="user",
                target_id=str(row.user_id),
                after={"session": row.family_id, "revoked_tokens": revoked},
            )
        )
        await self._uow.commit()
        raise Unauthenticated("refresh token reused: the session is revoked")
