"""An administrator's changes to an existing account. Each ends the account's sessions when
it changes what the account may do, so no token outlives the rights it was issued for."""

from __future__ import annotations

from dataclasses import replace

from tbot.application.identity.authorizer import Authorizer
from tbot.application.identity.create_user import describe, require_roles_exist
from tbot.application.identity.logout import end_all_sessions
from tbot.application.identity.policy import IdentityPolicy
from tbot.application.ports.clock import Clock
from tbot.application.ports.identity import PasswordHasher, RevocationList
from tbot.application.ports.unit_of_work import UnitOfWork
from tbot.domain.audit import AuditEvent
from tbot.domain.errors import Conflict, NotFound
from tbot.domain.identity.caller import Caller
from tbot.domain.identity.permissions import Permission
from tbot.domain.identity.users import User


class _UserChange:
    def __init__(
        self,
        uow: UnitOfWork,
        authorizer: Authorizer,
        revocations: RevocationList,
        clock: Clock,
    ) -> None:
        self._uow = uow
        self._authorizer = authorizer
        self._revocations = revocations
        self._clock = clock

    async def _load(self, user_id: int, caller: Caller) -> User:
        self._authorizer.require(caller, Permission.USERS_MANAGE)
        user = await self._uow.users.get(user_id)
        if user is None:
            raise NotFound("user", user_id)
        return user

    async def _store(
        self, before: User, after: User, action: str, caller: Caller, *, end_sessions: bool
    ) -> User:
        if _is_admin(before) and not _is_admin(after) and await self._uow.users.count_admins() <= 1:
            raise Conflict("this is the last enabled admin; make another admin first")
        stored = await self._uow.users.update(after)
        if end_sessions:
            assert before.id is not None
            await end_all_sessions(self._uow, self._revocations, before.id, self._clock)
        await self._uow.audit.add(
            AuditEvent(
                actor=caller.actor,
                action=action,
                target_type="user",
                target_id=str(before.id),
                before=describe(before),
                after=describe(stored),
            )
        )
        await self._uow.commit()
        return stored


class SetUserRoles(_UserChange):
    async def __call__(self, user_id: int, roles: tuple[str, ...], caller: Caller) -> User:
        async with self._uow:
            user = await self._load(user_id, caller)
            roles = tuple(sorted(set(roles)))
            await require_roles_exist(self._uow, roles)
            changed = replace(user, roles=roles)
            return await self._store(user, changed, "user.roles_changed", caller, end_sessions=True)


class SetUserDisabled(_UserChange):
    async def __call__(self, user_id: int, disabled: bool, caller: Caller) -> User:
        async with self._uow:
            user = await self._load(user_id, caller)
            action = "user.disabled" if disabled else "user.enabled"
            changed = replace(user, disabled=disabled)
            return await self._store(user, changed, action, caller, end_sessions=disabled)


class SetTelegramBlocked(_UserChange):
    """An admin blocks (or unblocks) a Telegram user: the bot then answers them nothing."""

    async def __call__(self, telegram_id: int, blocked: bool, caller: Caller) -> User:
        self._authorizer.require(caller, Permission.USERS_MANAGE)
        async with self._uow:
            user = await self._uow.users.by_telegram_id(telegram_id)
            if user is None:
                raise NotFound("telegram user", telegram_id)
            action = "user.telegram_blocked" if blocked else "user.telegram_unblocked"
            changed = replace(user, telegram_blocked=blocked)
            return await self._store(user, changed, action, caller, end_sessions=blocked)


class ResetPassword(_UserChange):
    """An admin sets a new password for someone who lost theirs."""

    def __init__(
        self,
        uow: UnitOfWork,
        authorizer: Authorizer,
        revocations: RevocationList,
        clock: Clock,
        hasher: PasswordHasher,
        policy: IdentityPolicy,
    ) -> None:
        super().__init__(uow, authorizer, revocations, clock)
        self._hasher = hasher
        self._policy = policy

    async def __call__(self, user_id: int, password: str, caller: Caller) -> User:
        async with self._uow:
            user = await self._load(user_id, caller)
            self._policy.passwords.check(password, login=user.login)
            changed = replace(
                user,
                password_hash=await self._hasher.hash(password),
                password_changed_at=self._clock.now(),
            )
            return await self._store(
                user, changed, "user.password_reset", caller, end_sessions=True
            )


class ListUsers:
    def __init__(self, uow: UnitOfWork, authorizer: Authorizer) -> None:
        self._uow = uow
        self._authorizer = authorizer

    async def __call__(
        self, caller: Caller, *, after_id: int | None = None, limit: int = 100
    ) -> list[User]:
        self._authorizer.require(caller, Permission.USERS_MANAGE)
        async with self._uow:
            return await self._uow.users.list(limit=min(max(limit, 1), 500), after_id=after_id)


def _is_admin(user: User) -> bool:
    return "admin" in user.roles and not user.disabled


class HasAdmin:
    """Whether an enabled admin exists; a fresh installation is told how to make one."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    async def __call__(self) -> bool:
        async with self._uow:
            return await self._uow.users.count_admins() > 0
